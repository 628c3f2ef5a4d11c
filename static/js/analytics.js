/* Dashboards: draw every [data-figure] element with plotly.js (served by the app), on load and after each htmx
   swap. plotly.js (several MB) is fetched after the page is interactive, so the filters work at once and the
   charts appear when it arrives. The figure JSON is built on the server from the same frame as the table. */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var script = document.currentScript;

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
        element.setAttribute("data-drawn", "true");
      });
    });
  }

  function loadPlotly() {
    if (window.Plotly) {
      draw(document);
      return;
    }
    var source = script && script.getAttribute("data-plotly");
    if (!source) return;
    var tag = document.createElement("script");
    tag.src = source;
    tag.async = true;
    tag.onload = function () { draw(document); };
    document.head.appendChild(tag);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadPlotly);
  } else {
    loadPlotly();
  }
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.detail.elt || document); });
})();
