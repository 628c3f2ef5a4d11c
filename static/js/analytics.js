/* Dashboards: draw every [data-figure] element with plotly.js (served by the app), on load and after each htmx
   swap of the panels. The figure JSON is built on the server from the same frame as the table beside it. */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function draw(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    var charts = root.matches && root.matches("[data-figure]") ? [root] : root.querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(charts, function (element) {
      var figure;
      try {
        figure = JSON.parse(element.getAttribute("data-figure"));
      } catch (error) {
        return;
      }
      window.Plotly.react(element, figure.data || [], figure.layout || {}, CONFIG).then(function () {
        element.setAttribute("data-drawn", element.getAttribute("data-figure").length);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.detail.elt || document); });
})();
