/* LeadFlow: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Tell the server the browser's time zone once, so times are shown where the user is.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
    if (zone && decodeURIComponent(current || "") !== zone) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* older browsers: the server default applies */ }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var dismiss = target.closest("[data-dismiss='alert']");
    if (dismiss) {
      dismiss.closest(".alert").remove();
      return;
    }
    var cancel = target.closest("[data-cancel]");
    if (cancel && window.htmx) {
      var container = document.querySelector(cancel.getAttribute("data-cancel"));
      if (container) {
        event.preventDefault();
        container.innerHTML = "";
      }
    }
  });

  // Keep shared list URLs short: drop empty filter fields from htmx GET requests.
  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    var data = event.detail.formData;
    if (!data || !source || !source.hasAttribute || !source.hasAttribute("data-strip-empty")) return;
    var empty = [];
    data.forEach(function (value, name) {
      if (value === "" && data.getAll(name).every(function (v) { return v === ""; })) empty.push(name);
    });
    empty.forEach(function (name) { data.delete(name); });
  });

  // After htmx pushed a filtered URL, switching language must come back to that URL, not the first one.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var here = window.location.pathname + window.location.search;
    document.querySelectorAll(".langswitch input[name=next]").forEach(function (input) { input.value = here; });
  });

  // Move focus into a stage form when it opens, so keyboard users land on its first field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "stage-form") {
      var first = target.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
})();

/* Navigation menus: one open at a time; a click elsewhere or Escape closes them. */
(function () {
  "use strict";
  var menus = function () { return document.querySelectorAll("details[data-navmenu]"); };
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details[data-navmenu]") || !opened.open) return;
    menus().forEach(function (menu) { if (menu !== opened) menu.open = false; });
  }, true);
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
})();
