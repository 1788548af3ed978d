/* The dashboard's charts (Apache ECharts, vendored under static/vendor/echarts).
   The figures come from the page's <script type="application/json" id="dashboard-data">;
   the tables beside the charts show the same numbers without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  document.documentElement.classList.add("charts-on");
  var colours = { red: "#c62828", yellow: "#f2b705", green: "#2e7d32", none: "#9aa3ad" };
  var charts = [];
  // Tooltips drawn on the canvas: ECharts' HTML tooltips carry inline style attributes, which
  // the Content-Security-Policy (style-src 'self') refuses.
  var TOOLTIP = "richText";

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var instance = window.echarts.init(node);
    instance.setOption(option);
    charts.push(instance);
  }

  var lights = (data.lights || []).filter(function (item) { return item.value > 0; });
  if (lights.length) {
    chart("chart-lights", {
      animation: false,
      tooltip: { renderMode: TOOLTIP, trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["35%", "65%"],
        data: lights.map(function (item) {
          return { name: item.name, value: item.value, itemStyle: { color: colours[item.key] } };
        })
      }]
    });
  }

  var sections = data.sections || [];
  if (sections.length) {
    var names = sections.map(function (s) { return s.name; }).reverse();
    chart("chart-sections", {
      animation: false,
      tooltip: { renderMode: TOOLTIP, trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 24, top: 8, bottom: 40, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: names,
               axisLabel: { width: 220, overflow: "truncate" } },
      series: [
        { name: data.labels.verified, type: "bar", itemStyle: { color: "#2e7d32" },
          data: sections.map(function (s) { return s.verified; }).reverse() },
        { name: data.labels.submitted, type: "bar", itemStyle: { color: "#0b4f9c" },
          data: sections.map(function (s) { return s.submitted; }).reverse() }
      ]
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
}());
