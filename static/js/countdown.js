/* SLA countdowns: every <time data-due="ISO"> ticks each second from its due time (no server round trip).
   Words come from the element's data-left / data-over ("%s left" / "overdue by %s") and data-units ("d,h,min"),
   written by the server in the page's language. Without JavaScript the server's text stays. */
(function () {
  "use strict";
  if (window.leadflowCountdown) return;  // loaded again by a fragment: one ticker is enough
  window.leadflowCountdown = true;

  function duration(seconds, units) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (d) return d + " " + units[0] + " " + h + " " + units[1];
    if (h) return h + " " + units[1] + " " + m + " " + units[2];
    return m + " " + units[2];
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var seconds = (due - now) / 1000;
      var units = (el.getAttribute("data-units") || "d,h,min").split(",");
      var text = duration(seconds, units);
      el.textContent = (seconds >= 0 ? el.getAttribute("data-left") : el.getAttribute("data-over")).replace("%s", text);
      var state = seconds < 0 ? "overdue" : seconds < 4 * 3600 ? "soon" : "ok";
      el.classList.remove("countdown-ok", "countdown-soon", "countdown-overdue");
      el.classList.add("countdown-" + state);
    });
  }

  // The inbox refreshes itself every minute, but never while someone is typing a reason in it.
  window.leadflowIdle = function (selector) {
    var root = document.querySelector(selector);
    var active = document.activeElement;
    return !(root && active && root.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  };

  // After an inbox action, focus what the server marked (the confirmation, or the next item), for keyboards.
  document.addEventListener("htmx:afterSwap", function () {
    var target = document.querySelector("[data-autofocus]");
    if (target) {
      target.removeAttribute("data-autofocus");
      target.focus();
    }
    tick();
  });

  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 1000);
})();
