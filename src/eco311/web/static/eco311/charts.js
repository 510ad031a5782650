/* eco311 charts: server-rendered pages carry their data in Django json_script elements, and
 * <div class="chart" data-chart="KIND" data-source="ID"> marks where to draw it with ECharts.
 * All labels come from the JSON (the server translates); nothing here is language-specific.
 *
 * Kinds and JSON shapes:
 *  status-donut   {labels:{code:label}, counts:{code:n}, colors:{code:"#hex"}}; data-href on the
 *                 element makes a slice click go to href?status=CODE
 *  stacked-bar    {categories:[..], horizontal:bool, series:[{code,name,color,data:[n..]}]}
 *  map            {mapUrl, valueLabel, data:[{adcode,name,value,href}]}
 *  target-series  {unit, points:[{date,value,status}], target:{value,value_max,date,label},
 *                  forecast:[{date,value}], base:{date,value}|null, labels:{actual,target,forecast,base}}
 */
(function () {
  "use strict";
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var FONT = '"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif';
  var maps = {};

  function data(el) {
    var src = document.getElementById(el.dataset.source);
    return src ? JSON.parse(src.textContent) : null;
  }

  function base() {
    return { animation: !reduced, textStyle: { fontFamily: FONT }, tooltip: {} };
  }

  var builders = {
    "status-donut": function (d, el) {
      var items = Object.keys(d.labels).map(function (code) {
        return { name: d.labels[code], value: d.counts[code] || 0, code: code,
                 itemStyle: { color: d.colors[code] } };
      });
      var opt = base();
      opt.tooltip = { trigger: "item", formatter: "{b}: {c} ({d}%)" };
      opt.legend = { orient: "vertical", right: 0, top: "middle" };
      opt.series = [{ type: "pie", radius: ["45%", "72%"], center: ["38%", "50%"], data: items,
                      label: { formatter: "{c}" } }];
      return { option: opt, click: function (p) {
        if (el.dataset.href && p.data) { window.location = el.dataset.href + "?status=" + p.data.code; }
      } };
    },
    "stacked-bar": function (d) {
      var cat = { type: "category", data: d.categories, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
      var val = { type: "value", minInterval: 1 };
      var opt = base();
      opt.tooltip = { trigger: "axis", axisPointer: { type: "shadow" } };
      opt.legend = { top: 0 };
      opt.grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
      if (d.horizontal) { cat.inverse = true; opt.yAxis = cat; opt.xAxis = val; }
      else { opt.xAxis = cat; opt.yAxis = val; }
      opt.series = d.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: s.color } };
      });
      return { option: opt };
    },
    "map": function (d, el, chart) {
      var opt = base();
      opt.tooltip = { trigger: "item", formatter: function (p) { return p.name + ": " + (p.value || 0); } };
      var max = Math.max.apply(null, d.data.map(function (x) { return x.value; }).concat([1]));
      opt.visualMap = { min: 0, max: max, left: 0, bottom: 0, text: [String(max), "0"], calculable: false,
                        inRange: { color: ["#e3f2fd", "#0277bd"] } };
      opt.series = [{ type: "map", map: "shandong", roam: false, name: d.valueLabel,
                      label: { show: true, fontSize: 10 },
                      data: d.data.map(function (x) { return { name: x.name, value: x.value, href: x.href }; }) }];
      var ready = maps[d.mapUrl] || (maps[d.mapUrl] = fetch(d.mapUrl).then(function (r) { return r.json(); })
        .then(function (geo) { echarts.registerMap("shandong", geo); }));
      return { option: opt, wait: ready, click: function (p) { if (p.data && p.data.href) { window.location = p.data.href; } } };
    },
    "target-series": function (d) {
      var opt = base();
      opt.tooltip = { trigger: "axis" };
      opt.legend = { top: 0 };
      opt.grid = { left: 8, right: 24, top: 40, bottom: 8, containLabel: true };
      opt.xAxis = { type: "time" };
      opt.yAxis = { type: "value", name: d.unit, scale: true };
      var marks = [];
      if (d.target && d.target.value !== null) { marks.push({ yAxis: d.target.value, name: d.target.label }); }
      if (d.target && d.target.value_max !== null) { marks.push({ yAxis: d.target.value_max, name: d.target.label }); }
      if (d.target && d.target.date) { marks.push({ xAxis: d.target.date }); }
      var actual = d.points.map(function (p) { return [p.date, p.value]; });
      if (d.base) { actual.unshift([d.base.date, d.base.value]); }
      opt.series = [
        { name: d.labels.actual, type: "line", data: actual, symbolSize: 7, itemStyle: { color: "#0277bd" },
          markLine: { symbol: "none", lineStyle: { color: "#2e7d32", type: "solid" },
                      label: { formatter: function (p) { return p.name || ""; } }, data: marks } },
        { name: d.labels.forecast, type: "line", data: d.forecast.map(function (p) { return [p.date, p.value]; }),
          lineStyle: { type: "dashed" }, itemStyle: { color: "#f9a825" }, symbol: "emptyCircle" },
        { name: d.labels.target, type: "line", data: [], itemStyle: { color: "#2e7d32" } }
      ];
      return { option: opt };
    }
  };

  function draw(el) {
    if (el.dataset.drawn || typeof echarts === "undefined") { return; }
    var build = builders[el.dataset.chart];
    var d = data(el);
    if (!build || !d) { return; }
    el.dataset.drawn = "1";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var spec = build(d, el, chart);
    Promise.resolve(spec.wait).then(function () {
      chart.setOption(spec.option);
      if (spec.click) { chart.on("click", spec.click); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".chart[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (e) { drawAll(e.target); });
})();
