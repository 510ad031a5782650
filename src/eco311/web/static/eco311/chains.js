/* eco311 — chains.js
 * The chain panorama (web/templates/web/chain_panorama.html), drawn with the vendored ECharts
 * through charts.js: this file adds the kind "chain-panorama" to window.eco311Charts.builders
 * and draws the charts of that kind already on the page (charts.js ran first and skipped them,
 * having no builder for the kind).
 *
 * MARKUP
 *   <div class="chart chart-tall" data-chart="chain-panorama" data-source="ID"></div>
 *   {{ panorama|json_script:"ID" }}
 *
 * JSON (web/views/chains.py panorama_data; every label is translated by the server)
 *   {"stages": [{"code": "upstream", "label": "上游"}, ...],          the columns, left to right
 *    "nodes": [{"code", "name", "stage", "coverage": "none"|"one"|"several", "weak": bool,
 *               "revenue": 123.4 | null (withheld), "revenueText", "enterprises", "weakText",
 *               "href"}, ...],
 *    "links": [{"source": code, "target": code}, ...],                 "source is an input to target"
 *    "coverage": [{"code", "label", "color"}, ...],                    the legend, in order
 *    "weakColor": "#6a1b9a",
 *    "labels": {"weak", "revenue", "enterprises", "weakScore"},
 *    "errorLabel": "…"}
 *   Nodes sit in their stage's column, in file order top-down; the circle's area follows revenue
 *   (a withheld or zero revenue draws the smallest circle); the fill is the coverage colour; a
 *   weak link gets a thick ring of weakColor. A click on a node opens its href.
 */
(function () {
  "use strict";

  var MIN = 22;
  var MAX = 64;

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function build(d, el) {
    var stages = d.stages || [];
    var col = {};
    stages.forEach(function (s, i) { col[s.code] = i; });
    var cats = d.coverage || [];
    var catIndex = {};
    cats.forEach(function (c, i) { catIndex[c.code] = i; });
    var maxRev = 0;
    (d.nodes || []).forEach(function (n) { if (n.revenue > maxRev) { maxRev = n.revenue; } });
    var rows = {};
    var width = Math.max(el.clientWidth || 600, 320);
    var height = Math.max(el.clientHeight || 480, 240);
    // ECharts fits the node coordinates into the series box: the box leaves half a column on
    // each side so that the outer columns' labels are not cut off.
    var colWidth = width / Math.max(stages.length, 1);
    var perStage = {};
    (d.nodes || []).forEach(function (n) { perStage[n.stage] = (perStage[n.stage] || 0) + 1; });
    var nodes = (d.nodes || []).map(function (n) {
      var c = col[n.stage] || 0;
      var r = rows[n.stage] = (rows[n.stage] || 0) + 1;
      var size = MIN;
      if (n.revenue && maxRev > 0) { size = MIN + (MAX - MIN) * Math.sqrt(n.revenue / maxRev); }
      var x = width * (c + 0.5) / Math.max(stages.length, 1);
      var y = height * r / ((perStage[n.stage] || 1) + 1);
      var color = (cats[catIndex[n.coverage]] || {}).color;
      return {
        id: n.code,
        name: n.name,
        x: x,
        y: y,
        symbolSize: size,
        category: catIndex[n.coverage],
        itemStyle: n.weak ? { color: color, borderColor: d.weakColor, borderWidth: 5 }
          : { color: color, borderColor: "#fff", borderWidth: 1 },
        label: { show: true, position: "bottom", width: colWidth - 24, overflow: "break",
                 fontSize: 12, color: n.weak ? d.weakColor : "#1b1f23",
                 fontWeight: n.weak ? "bold" : "normal" },
        raw: n
      };
    });
    var known = {};
    nodes.forEach(function (n) { known[n.id] = true; });
    var links = (d.links || []).filter(function (l) { return known[l.source] && known[l.target]; })
      .map(function (l) { return { source: l.source, target: l.target }; });
    var labels = d.labels || {};
    var graphic = stages.map(function (s, i) {
      return {
        type: "text",
        x: Math.round(colWidth * (i + 0.5)),
        y: 8,
        style: { text: s.label, fontSize: 13, fontWeight: "bold", fill: "#5a6169", textAlign: "center" }
      };
    });
    return {
      layoutKey: width < 520,
      option: {
        aria: { enabled: true },
        textStyle: { fontFamily: '-apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif' },
        animation: false,
        graphic: graphic,
        legend: { bottom: 0, data: cats.map(function (c) { return c.label; }) },
        tooltip: {
          confine: true,
          formatter: function (p) {
            if (p.dataType !== "node") { return ""; }
            var n = p.data.raw;
            return "<strong>" + esc(n.name) + "</strong><br>" +
              esc(labels.enterprises) + ": " + esc(n.enterprises) + "<br>" +
              esc(labels.revenue) + ": " + esc(n.revenueText) + "<br>" +
              esc(labels.weakScore) + ": " + esc(n.weakText) + (n.weak ? "<br>" + esc(labels.weak) : "");
          }
        },
        series: [{
          type: "graph",
          layout: "none",
          coordinateSystem: null,
          // Room for the stage titles above and the legend below the largest circle.
          top: 40 + MAX / 2,
          bottom: 56 + MAX / 2,
          left: Math.round(colWidth / 2),
          right: Math.round(colWidth / 2),
          roam: false,
          draggable: false,
          categories: cats.map(function (c) { return { name: c.label, itemStyle: { color: c.color } }; }),
          data: nodes,
          links: links,
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: 9,
          lineStyle: { color: "#8a949c", width: 1.5, curveness: 0.15, opacity: 0.9 },
          emphasis: { focus: "adjacency" },
          cursor: "pointer"
        }]
      },
      click: function (p) {
        if (p.dataType === "node" && p.data && p.data.raw && p.data.raw.href) {
          window.location.href = p.data.raw.href;
        }
      }
    };
  }

  function start() {
    if (!window.eco311Charts) { return; }
    window.eco311Charts.builders["chain-panorama"] = build;
    var els = document.querySelectorAll('[data-chart="chain-panorama"]');
    Array.prototype.forEach.call(els, function (el) { window.eco311Charts.render(el); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
