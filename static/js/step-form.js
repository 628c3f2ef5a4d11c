/* Step editor: shows only the fieldset of the chosen step kind, on load, when the kind changes and after htmx
   swaps a step form in. Without this file every kind's fieldset is shown and the server reads the chosen
   kind's inputs only. The partial that loads it may be swapped in several times: it binds once. */
(function () {
  "use strict";

  function sync(form) {
    var select = form.querySelector("select[name=kind]");
    if (!select) return;
    form.querySelectorAll("fieldset[data-kind]").forEach(function (fieldset) {
      var off = fieldset.getAttribute("data-kind") !== select.value;
      fieldset.hidden = off;
      fieldset.style.display = off ? "none" : "";  // the fieldset's own display rule beats [hidden]
    });
  }

  function syncAll() {
    document.querySelectorAll("form[data-step-form]").forEach(sync);
  }

  if (!window.leadflowStepForm) {
    window.leadflowStepForm = true;
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (!(target instanceof HTMLSelectElement) || target.name !== "kind") return;
      var form = target.closest("form[data-step-form]");
      if (form) sync(form);
    });
    document.addEventListener("htmx:afterSettle", syncAll);
  }
  syncAll();
})();
