/* SDR queue keyboard: j / k move between leads, Enter opens the lead, and a letter presses the focused lead's
   button marked data-key (c claim, r release); l, b, d and n open and focus the call note, BANT, disqualify reason or
   nurture track. Keys are ignored while typing in a field. After an htmx swap the lead just worked keeps the focus. */
(function () {
  "use strict";

  function items() { return Array.prototype.slice.call(document.querySelectorAll(".queue-item")); }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".queue-item") : null;
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var index = list.indexOf(current());
    var next = list[Math.max(0, Math.min(list.length - 1, index < 0 ? 0 : index + step))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  function press(key) {
    var item = current() || items()[0];
    var target = item && item.querySelector('[data-key="' + key + '"]');
    if (!target) return false;
    var details = target.closest("details");
    if (details) details.open = true;
    if (target.tagName === "INPUT" || target.tagName === "SELECT") target.focus();
    else if (target.tagName === "SUMMARY") (details.querySelector("input, select") || target).focus();
    else target.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("queue") || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || event.target.isContentEditable) return;
    var handled = true;
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "Enter" && event.target.classList.contains("queue-item")) {
      window.location.href = event.target.getAttribute("data-url");
    } else handled = "crbdnl".indexOf(event.key) >= 0 && event.key.length === 1 ? press(event.key) : false;
    if (handled) event.preventDefault();
  });

  document.addEventListener("htmx:afterSwap", function () {
    var queue = document.getElementById("queue");
    var open = queue && queue.getAttribute("data-open");
    var item = open && document.getElementById("queue-lead-" + open);
    if (item && !document.querySelector("#queue [data-autofocus]:focus")) item.focus({ preventScroll: true });
  });
})();
