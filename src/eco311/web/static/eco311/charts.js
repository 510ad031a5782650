/* eco311 — charts.js
 * Renders server-provided data with Apache ECharts (vendor/echarts.min.js, loaded before this).
 * No build step, no network access except fetching the map GeoJSON from the same server.
 *
 * MARKUP
 *   <div class="chart" data-chart="KIND" data-source="ID" [data-href="URL"]
 *        [aria-label="…"] [data-renderer="svg"]></div>
 *   {{ payload|json_script:"ID" }}
 *
 *   .chart is 320px high, .chart-tall 480px (app.css). Drawn on a <canvas> (at devicePixelRatio
 *   >= 2, sharp in print) unless data-renderer="svg". Charts are drawn on DOMContentLoaded and
 *   again after every htmx swap (htmx:afterSettle, htmx:historyRestore): new chart elements are
 *   initialised, charts whose json_script element was replaced are redrawn, charts whose element
 *   left the page are disposed. Charts resize with their container (ResizeObserver + window
 *   resize). prefers-reduced-motion: reduce turns animation off. ECharts' built-in texts
 *   (aria description, date formats) follow <html lang> ("en…" → EN, otherwise ZH).
 *   Manual use: window.eco311Charts.render(el) / .renderAll(root).
 *
 *   Every visible label comes from the JSON (the server translates); none is hard-coded here.
 *   Accessibility: the element gets role="img"; unless the template gives it an aria-label, ECharts
 *   writes a generated description into aria-label (the donut's is built from the JSON labels).
 *   Optional keys common to all kinds: "emptyLabel" (text shown instead of an empty chart),
 *   "errorLabel" (text shown if drawing fails, e.g. the map GeoJSON cannot be fetched), "title"
 *   (map: drawn as the chart title; donut: starts the screen-reader description).
 *
 * KINDS AND JSON SHAPES
 *
 * "status-donut"
 *   {"labels": {"achieved": "已完成", ...}, "counts": {"achieved": 3, ...},
 *    "colors": {"achieved": "#2e7d32", ...},
 *    "totalLabel": "项目标"}                       optional: total shown in the hole
 *   Slices in the order achieved, on_track, at_risk, off_track, overdue, no_data (then any other
 *   codes). With data-href on the element, clicking a slice goes to data-href + "?status=CODE"
 *   ("&status=CODE" if data-href already has a query string).
 *
 * "stacked-bar"
 *   {"categories": ["一、…", "二、…"],
 *    "series": [{"code": "achieved", "name": "已完成", "color": "#2e7d32", "data": [1, 0]}, ...],
 *    "horizontal": true,
 *    "hrefs": ["/plans/x/?section=1", ...],        optional: per category; click adds &status=CODE
 *    "totalLabel": "合计"}                          optional: adds a total line to the tooltip
 *   Horizontal bars list categories top-down and grow the element's height when there are many.
 *
 * "map"
 *   {"mapUrl": "/static/eco311/maps/shandong.json", "title": "…", "valueLabel": "已完成",
 *    "data": [{"adcode": "370100", "name": "济南市", "value": 3, "href": "/areas/370100/",
 *              "total": 12}, ...],                 total optional: tooltip shows "value / total"
 *    "min": 0, "max": null,                          optional visualMap range (default 0..max)
 *    "colors": ["#e6f2ef", "#0b5d52"]}               optional low/high colours
 *   The GeoJSON (FeatureCollection with properties name/adcode/name_en) is fetched once per URL
 *   and registered as echarts.registerMap("shandong", geojson); regions are matched by adcode,
 *   and the item's "name" (server-translated) is what the labels and tooltip show. Click → href.
 *
 * "target-series"
 *   {"unit": "亿元",
 *    "points": [{"date": "2024-03-31", "value": 12.5, "status": "approved"}, ...],
 *    "target": {"value": 300, "value_max": null, "date": "2025-12-31", "label": "目标 300 亿元"},
 *    "forecast": [{"date": "2025-12-31", "value": 280}],
 *    "base": {"date": "2022-12-31", "value": 100} | null,
 *    "labels": {"actual": "实际值", "target": "目标", "forecast": "预测", "base": "基期值"},
 *    "statusLabels": {"approved": "已审核", "submitted": "待审核"},   optional, for the tooltip
 *    "zeroBased": true}                               optional (default true): y axis from 0
 *   Actual values: solid line with points (points whose status is not "approved" are hollow).
 *   Target: horizontal line at target.value, or a shaded band value..value_max when value_max is
 *   set. Deadline: vertical line at target.date. Forecast: dashed line, joined to the last
 *   actual point. Base: a diamond marker. Any of target/forecast/base may be missing or null.
 *
 * "radar"
 *   {"indicators": [{"name": "规模实力", "max": 100}, ...],   one axis each; "max" optional
 *    "series": [{"name": "某企业", "values": [62.5, null, ...], "color": "#0b5d52",
 *                "area": true,                                 optional: fill the polygon
 *                "dashed": true}, ...],                        optional: dashed outline
 *    "min": 0}                                                 optional, common to all axes
 *   One polygon per series, values in the order of "indicators"; the legend names the series.
 *   An axis without "max" ends at the largest value of any series (at least 1); without "min"
 *   the axes start at 0, or at the smallest value if that is negative. A null value is drawn at
 *   the centre and shown as "–" in the tooltip, which lists every axis of the polygon.
 */
(function () {
  "use strict";

  var FONT = '-apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  var STATUS_ORDER = ["achieved", "on_track", "at_risk", "off_track", "overdue", "no_data"];
  var TEXT = "#1b1f23";
  var MUTED = "#5a6169";
  var PRIMARY = "#0b5d52";
  var ACTUAL = "#0277bd";
  var TARGET = "#2e7d32";
  var FORECAST = "#e65100";
  var NARROW = 520; // px: below this, legends move under the chart

  var motionQuery = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  var mapPromises = {}; // mapUrl -> Promise<geojson>
  var live = []; // elements with an ECharts instance

  function reducedMotion() {
    return !!(motionQuery && motionQuery.matches);
  }

  function locale() {
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    return lang.indexOf("en") === 0 ? "EN" : "ZH";
  }

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fmt(v) {
    if (v === null || v === undefined || v === "" || isNaN(v)) { return "–"; }
    return Number(v).toLocaleString(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
  }

  function niceStep(raw) {
    if (!(raw > 0)) { return 1; }
    var p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
  }

  function withParam(href, key, value) {
    return href + (href.indexOf("?") >= 0 ? "&" : "?") + encodeURIComponent(key) + "=" + encodeURIComponent(value);
  }

  function go(href) {
    if (href) { window.location.href = href; }
  }

  function base() {
    var animate = !reducedMotion();
    return {
      animation: animate,
      animationDuration: animate ? 500 : 0,
      animationDurationUpdate: animate ? 300 : 0,
      aria: { enabled: true },
      textStyle: { fontFamily: FONT, color: TEXT },
      tooltip: { confine: true, textStyle: { fontFamily: FONT } }
    };
  }

  // Wide: one scrollable row. Narrow: plain legend that wraps onto several rows.
  function legend(extra, narrow) {
    var l = { type: narrow ? "plain" : "scroll", itemWidth: 12, itemHeight: 12, itemGap: narrow ? 8 : 10,
              textStyle: { color: TEXT, fontSize: 12 } };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { l[k] = extra[k]; } }
    return l;
  }

  function marker(color, hollow) {
    return '<span style="display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px;' +
      (hollow ? "border:2px solid " + color + ";width:5px;height:5px;" : "background:" + color + ";") + '"></span>';
  }

  /* ---------------------------------------------------------------- kinds */
  var builders = {};

  builders["status-donut"] = function (d, el) {
    var labels = d.labels || {}, counts = d.counts || {}, colors = d.colors || {};
    var codes = STATUS_ORDER.filter(function (c) { return c in labels || c in counts; });
    Object.keys(labels).forEach(function (c) { if (codes.indexOf(c) < 0) { codes.push(c); } });
    var total = 0;
    var items = codes.map(function (code) {
      var n = Number(counts[code] || 0);
      total += n;
      return { name: labels[code] || code, value: n, code: code, itemStyle: { color: colors[code] } };
    });
    if (!total && d.emptyLabel) { return { empty: d.emptyLabel }; }
    var narrow = el.clientWidth < NARROW;
    var center = narrow ? ["50%", "40%"] : ["36%", "50%"];
    var opt = base();
    opt.tooltip.trigger = "item";
    opt.tooltip.formatter = function (p) {
      return marker(p.color) + esc(p.name) + "：<b>" + fmt(p.value) + "</b> (" + p.percent + "%)";
    };
    opt.legend = narrow
      ? legend({ bottom: 0, left: "center", orient: "horizontal" }, true)
      : legend({ right: 8, top: "middle", orient: "vertical" });
    opt.legend.formatter = function (name) {
      for (var i = 0; i < items.length; i++) {
        if (items[i].name === name) { return name + "  " + fmt(items[i].value); }
      }
      return name;
    };
    opt.title = {
      text: fmt(total), subtext: d.totalLabel || "",
      left: center[0], top: center[1], textAlign: "center", textVerticalAlign: "middle",
      itemGap: 2,
      textStyle: { fontSize: 26, fontWeight: 700, color: TEXT, fontFamily: FONT },
      subtextStyle: { fontSize: 12, color: MUTED, fontFamily: FONT }
    };
    // Screen readers: the title component only holds the total, so describe the slices instead.
    opt.aria = {
      enabled: true,
      label: {
        description: (d.title ? d.title + ". " : "") + (d.totalLabel ? d.totalLabel + " " : "") + fmt(total) + ". " +
          items.map(function (it) { return it.name + " " + fmt(it.value); }).join("; ")
      }
    };
    opt.series = [{
      type: "pie",
      radius: narrow ? ["36%", "58%"] : ["48%", "74%"],
      center: center,
      avoidLabelOverlap: true,
      stillShowZeroSum: false,
      itemStyle: { borderColor: "#fff", borderWidth: 2 },
      label: { show: false },
      emphasis: { scale: true, scaleSize: 4, label: { show: false } },
      cursor: el.dataset.href ? "pointer" : "default",
      data: items
    }];
    return {
      option: opt,
      layoutKey: narrow,
      click: function (p) {
        if (el.dataset.href && p.data && p.data.code) { go(withParam(el.dataset.href, "status", p.data.code)); }
      }
    };
  };

  builders["stacked-bar"] = function (d, el) {
    var cats = d.categories || [];
    var series = d.series || [];
    if (!cats.length && d.emptyLabel) { return { empty: d.emptyLabel }; }
    var horizontal = !!d.horizontal;
    var narrow = el.clientWidth < NARROW;
    if (horizontal) {
      // Give each category row ~26px; never shrink below the CSS height.
      var want = 70 + cats.length * 26;
      if (!el.dataset.baseHeight) { el.dataset.baseHeight = String(el.clientHeight || 320); }
      el.style.height = Math.max(Number(el.dataset.baseHeight), want) + "px";
    }
    var labelWidth = Math.max(80, Math.min(260, Math.round(el.clientWidth * (narrow ? 0.32 : 0.3))));
    var cat = {
      type: "category", data: cats,
      axisTick: { show: false },
      axisLine: { lineStyle: { color: "#9aa3ab" } },
      axisLabel: {
        interval: 0, color: TEXT, fontSize: 12,
        width: horizontal ? labelWidth : 90, overflow: horizontal ? "truncate" : "break",
        hideOverlap: !horizontal
      }
    };
    if (horizontal) { cat.inverse = true; }
    var val = {
      type: "value", minInterval: 1,
      axisLabel: { color: MUTED },
      splitLine: { lineStyle: { color: "#e3e7ea" } }
    };
    var opt = base();
    opt.tooltip.trigger = "axis";
    opt.tooltip.axisPointer = { type: "shadow" };
    opt.tooltip.formatter = function (ps) {
      if (!ps.length) { return ""; }
      var sum = 0, rows = [];
      ps.forEach(function (p) {
        var v = Number(p.value || 0);
        sum += v;
        if (v) { rows.push(marker(p.color) + esc(p.seriesName) + "：<b>" + fmt(v) + "</b>"); }
      });
      var head = "<b>" + esc(cats[ps[0].dataIndex]) + "</b>";
      if (d.totalLabel) { rows.push(esc(d.totalLabel) + "：<b>" + fmt(sum) + "</b>"); }
      return [head].concat(rows).join("<br>");
    };
    opt.legend = legend({ top: 0, left: "center" }, narrow);
    opt.grid = { left: 8, right: 20, top: narrow ? 60 : 34, bottom: 8, containLabel: true };
    if (horizontal) { opt.yAxis = cat; opt.xAxis = val; } else { opt.xAxis = cat; opt.yAxis = val; }
    opt.series = series.map(function (s) {
      return {
        name: s.name, code: s.code, type: "bar", stack: "status",
        barMaxWidth: 28,
        itemStyle: { color: s.color },
        emphasis: { focus: "series" },
        cursor: d.hrefs ? "pointer" : "default",
        data: (s.data || []).map(function (v) { return v === 0 ? null : v; })
      };
    });
    return {
      option: opt,
      layoutKey: narrow,
      click: function (p) {
        if (!d.hrefs || !d.hrefs[p.dataIndex]) { return; }
        var s = series[p.seriesIndex];
        go(s && s.code ? withParam(d.hrefs[p.dataIndex], "status", s.code) : d.hrefs[p.dataIndex]);
      }
    };
  };

  function loadMap(url) {
    if (!mapPromises[url]) {
      mapPromises[url] = fetch(url, { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { throw new Error("map " + url + ": HTTP " + r.status); }
          return r.json();
        })
        .then(function (geo) {
          echarts.registerMap("shandong", geo);
          return geo;
        });
      mapPromises[url].catch(function () { delete mapPromises[url]; });
    }
    return mapPromises[url];
  }

  builders.map = function (d) {
    var url = d.mapUrl || "/static/eco311/maps/shandong.json";
    return {
      wait: loadMap(url),
      build: function (geo, el) {
        var byCode = {};
        (geo.features || []).forEach(function (f) { byCode[f.properties.adcode] = f.properties.name; });
        var display = {}; // region (GeoJSON) name -> data item
        var max = 0;
        var items = (d.data || []).map(function (x) {
          var region = byCode[x.adcode] || x.name;
          var v = x.value === null || x.value === undefined ? null : Number(x.value);
          if (v !== null && v > max) { max = v; }
          var item = { name: region, value: v, label: x.name || region, href: x.href, adcode: x.adcode, total: x.total };
          display[region] = item;
          return item;
        });
        var narrow = el.clientWidth < NARROW;
        var opt = base();
        if (d.title) {
          opt.title = { text: d.title, left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 600, color: TEXT } };
        }
        opt.tooltip.trigger = "item";
        opt.tooltip.formatter = function (p) {
          var it = display[p.name];
          var label = it ? it.label : p.name;
          var v = it ? it.value : null;
          var of = it && it.total !== undefined && it.total !== null ? " / " + fmt(it.total) : "";
          return "<b>" + esc(label) + "</b>" + (d.valueLabel !== undefined ? "<br>" + esc(d.valueLabel) + "：" : "：") +
            "<b>" + fmt(v) + "</b>" + of;
        };
        var colors = d.colors || ["#e6f2ef", "#9fd0c3", "#3e9b86", PRIMARY];
        opt.visualMap = {
          type: "continuous",
          min: d.min !== undefined && d.min !== null ? d.min : 0,
          max: d.max !== undefined && d.max !== null ? d.max : Math.max(1, max),
          left: 4, bottom: 4,
          orient: narrow ? "horizontal" : "vertical",
          itemHeight: narrow ? 100 : 110, itemWidth: 12,
          calculable: false,
          text: d.valueLabel ? [fmt(d.max !== undefined && d.max !== null ? d.max : Math.max(1, max)), "0"] : null,
          textStyle: { color: MUTED, fontSize: 11 },
          inRange: { color: colors },
          outOfRange: { color: "#eeeeee" }
        };
        opt.series = [{
          type: "map", map: "shandong", name: d.valueLabel || "",
          roam: false, selectedMode: false,
          aspectScale: 0.8,
          left: narrow ? 8 : 56, right: 8, top: d.title ? 30 : 8, bottom: narrow ? 40 : 8,
          itemStyle: { areaColor: "#f1f3f4", borderColor: "#ffffff", borderWidth: 1 },
          label: {
            show: true, fontSize: narrow ? 9 : 11, color: TEXT,
            textBorderColor: "rgba(255,255,255,0.85)", textBorderWidth: 2,
            formatter: function (p) { var it = display[p.name]; return it ? it.label : p.name; }
          },
          emphasis: {
            label: { show: true, fontWeight: 700 },
            itemStyle: { areaColor: "#ffbf47", borderColor: TEXT, borderWidth: 1 }
          },
          data: items
        }];
        return {
          option: opt,
          layoutKey: narrow,
          click: function (p) {
            var it = display[p.name];
            go(it && it.href);
          }
        };
      }
    };
  };

  builders["target-series"] = function (d, el) {
    var labels = d.labels || {};
    var statusLabels = d.statusLabels || {};
    var points = (d.points || []).filter(function (p) { return p.value !== null && p.value !== undefined; })
      .slice().sort(function (a, b) { return a.date < b.date ? -1 : a.date > b.date ? 1 : 0; });
    var target = d.target || null;
    var base0 = d.base || null;
    var forecast = (d.forecast || []).filter(function (p) { return p.value !== null && p.value !== undefined; });
    var unit = d.unit || "";
    var hasTarget = target && target.value !== null && target.value !== undefined;
    var hasMax = hasTarget && target.value_max !== null && target.value_max !== undefined;
    if (!points.length && !hasTarget && !base0 && d.emptyLabel) { return { empty: d.emptyLabel }; }

    // Axis extents: markLines/areas do not extend the axes, so include them by hand.
    var dates = [], values = [];
    points.forEach(function (p) { dates.push(p.date); values.push(Number(p.value)); });
    forecast.forEach(function (p) { dates.push(p.date); values.push(Number(p.value)); });
    if (base0) { dates.push(base0.date); values.push(Number(base0.value)); }
    if (target && target.date) { dates.push(target.date); }
    if (hasTarget) { values.push(Number(target.value)); }
    if (hasMax) { values.push(Number(target.value_max)); }
    var times = dates.map(function (s) { return new Date(s).getTime(); }).filter(function (t) { return !isNaN(t); });
    var tMin = times.length ? Math.min.apply(null, times) : null;
    var tMax = times.length ? Math.max.apply(null, times) : null;
    var pad = tMin !== null ? Math.max((tMax - tMin) * 0.04, 15 * 86400000) : 0;
    var vMin = values.length ? Math.min.apply(null, values) : 0;
    var vMax = values.length ? Math.max.apply(null, values) : 1;
    var zeroBased = d.zeroBased !== false;

    function unitSuffix(v) { return fmt(v) + (unit ? " " + unit : ""); }

    var narrow = el.clientWidth < NARROW;
    var opt = base();
    opt.grid = { left: 8, right: 28, top: narrow ? 62 : 46, bottom: 8, containLabel: true };
    opt.legend = legend({ top: 0, left: "center" }, narrow);
    opt.tooltip.trigger = "item";
    opt.tooltip.formatter = function (p) {
      if (p.componentType === "markLine" || p.componentType === "markArea") {
        return esc(p.name || "");
      }
      var v = Array.isArray(p.value) ? p.value : [null, p.value];
      var extra = p.data && p.data.status && statusLabels[p.data.status] ? " · " + esc(statusLabels[p.data.status]) : "";
      return marker(p.color) + esc(p.seriesName) + "<br>" + esc(String(v[0]).slice(0, 10)) + "：<b>" +
        esc(unitSuffix(v[1])) + "</b>" + extra;
    };
    opt.xAxis = {
      type: "time",
      min: tMin !== null ? tMin - pad : null,
      max: tMax !== null ? tMax + pad : null,
      axisLine: { lineStyle: { color: "#9aa3ab" } },
      axisLabel: { color: MUTED, hideOverlap: true },
      splitLine: { show: false }
    };
    opt.yAxis = {
      type: "value",
      name: unit, nameTextStyle: { color: MUTED, align: "left" },
      min: function (e) {
        var lo = Math.min(e.min, vMin);
        if (zeroBased) { return Math.min(0, lo); }
        var span = Math.max(vMax - lo, Math.abs(lo) * 0.05, 1e-9);
        if (d.whole) { return Math.floor(lo - span * 0.06); }
        var step = niceStep(span / 5);
        return Math.floor((lo - span * 0.06) / step) * step;
      },
      max: function (e) {
        var hi = Math.max(e.max, vMax);
        var lo = zeroBased ? Math.min(0, vMin) : vMin;
        var padded = hi + Math.max(hi - lo, Math.abs(hi) * 0.05, 1e-9) * 0.06;
        // A count (个, 家, 项 …) has whole-number ticks: no "1.25 个" at the top of the axis.
        if (d.whole) { return Math.ceil(padded); }
        var step = niceStep((padded - lo) / 5);
        return Math.ceil(padded / step) * step;
      },
      minInterval: d.whole ? 1 : null,
      axisLabel: { color: MUTED, formatter: function (v) { return fmt(v); } },
      splitLine: { lineStyle: { color: "#e3e7ea" } }
    };

    var series = [];
    series.push({
      name: labels.actual || "", type: "line",
      data: points.map(function (p) {
        var approved = !p.status || p.status === "approved";
        return { value: [p.date, Number(p.value)], status: p.status, symbol: approved ? "circle" : "emptyCircle" };
      }),
      symbolSize: 8, z: 4,
      lineStyle: { width: 2.5, color: ACTUAL },
      itemStyle: { color: ACTUAL }
    });

    if (forecast.length) {
      var fdata = forecast.map(function (p) { return [p.date, Number(p.value)]; });
      var last = points.length ? points[points.length - 1] : null;
      if (last && last.date < forecast[0].date) { fdata.unshift([last.date, Number(last.value)]); }
      series.push({
        name: labels.forecast || "", type: "line", data: fdata,
        symbol: "emptyCircle", symbolSize: 6, showSymbol: true,
        lineStyle: { type: "dashed", width: 2, color: FORECAST },
        itemStyle: { color: FORECAST }, z: 3
      });
    }

    if (base0 && base0.value !== null && base0.value !== undefined) {
      series.push({
        name: labels.base || "", type: "scatter",
        data: [[base0.date, Number(base0.value)]],
        symbol: "diamond", symbolSize: 13, itemStyle: { color: "#6d4c9f" }, z: 5
      });
    }

    // Target: legend entry carries the horizontal line / band and the deadline line.
    if (hasTarget || (target && target.date)) {
      var markLines = [];
      if (hasTarget && !hasMax) {
        markLines.push({
          yAxis: Number(target.value), name: target.label || labels.target || "",
          label: { formatter: target.label || labels.target || "", position: "insideStartTop", color: TARGET, fontWeight: 600 }
        });
      }
      if (target.date) {
        markLines.push({
          xAxis: target.date, name: String(target.date),
          lineStyle: { type: "dotted", color: "#5a6169", width: 1.5 },
          label: { formatter: String(target.date), position: "end", color: MUTED }
        });
      }
      var tgt = {
        name: labels.target || "", type: "line", data: [],
        itemStyle: { color: TARGET }, lineStyle: { color: TARGET, width: 2 },
        markLine: {
          silent: false, symbol: "none", animation: false,
          lineStyle: { color: TARGET, width: 2, type: "solid" },
          data: markLines
        }
      };
      if (hasMax) {
        tgt.markArea = {
          silent: false,
          itemStyle: { color: "rgba(46,125,50,0.14)", borderColor: TARGET, borderWidth: 1 },
          label: { show: true, position: "insideTopLeft", color: TARGET, fontWeight: 600 },
          data: [[
            { yAxis: Number(target.value), name: target.label || labels.target || "" },
            { yAxis: Number(target.value_max) }
          ]]
        };
      }
      series.push(tgt);
    }

    var icons = { line: "circle", forecast: "emptyCircle", base: "diamond", target: hasMax ? "rect" : "roundRect" };
    opt.legend.data = series.map(function (s, i) {
      var icon = i === 0 ? icons.line : s.type === "scatter" ? icons.base : s.markLine ? icons.target : icons.forecast;
      return { name: s.name, icon: icon };
    });
    opt.series = series;
    return { option: opt, layoutKey: narrow };
  };

  builders.radar = function (d, el) {
    var axes = d.indicators || [];
    var series = d.series || [];
    if ((!axes.length || !series.length) && d.emptyLabel) { return { empty: d.emptyLabel }; }
    var lo = 0, hi = 0;
    series.forEach(function (s) {
      (s.values || []).forEach(function (v) {
        if (v === null || v === undefined || isNaN(v)) { return; }
        lo = Math.min(lo, Number(v));
        hi = Math.max(hi, Number(v));
      });
    });
    var min = d.min !== undefined && d.min !== null ? Number(d.min) : lo;
    var narrow = el.clientWidth < NARROW;
    var opt = base();
    opt.legend = legend({ top: 0, left: "center" }, narrow);
    opt.legend.data = series.map(function (s) { return s.name; });
    opt.tooltip.trigger = "item";
    opt.tooltip.formatter = function (p) {
      var s = series[p.dataIndex] || {};
      var values = s.values || [];
      return marker(s.color || PRIMARY) + "<b>" + esc(s.name) + "</b><br>" + axes.map(function (a, i) {
        return esc(a.name) + "：<b>" + fmt(values[i]) + "</b>";
      }).join("<br>");
    };
    opt.radar = {
      indicator: axes.map(function (a) {
        var max = a.max !== undefined && a.max !== null ? Number(a.max) : Math.max(1, hi);
        return { name: a.name, min: min, max: max };
      }),
      center: ["50%", narrow ? "58%" : "57%"],
      radius: narrow ? "58%" : "70%",
      splitNumber: 4,
      axisName: { color: TEXT, fontSize: narrow ? 11 : 12 },
      axisLine: { lineStyle: { color: "#d0d5da" } },
      splitLine: { lineStyle: { color: "#d0d5da" } },
      splitArea: { areaStyle: { color: ["#ffffff", "#f7f9fa"] } }
    };
    opt.series = [{
      type: "radar",
      symbol: "circle",
      symbolSize: 5,
      emphasis: { lineStyle: { width: 3 } },
      data: series.map(function (s) {
        var color = s.color || PRIMARY;
        var item = {
          name: s.name,
          value: (s.values || []).map(function (v) {
            return v === null || v === undefined || isNaN(v) ? min : Number(v);
          }),
          lineStyle: { color: color, width: 2, type: s.dashed ? "dashed" : "solid" },
          itemStyle: { color: color }
        };
        if (s.area) { item.areaStyle = { color: color, opacity: 0.16 }; }
        return item;
      })
    }];
    return { option: opt, layoutKey: narrow };
  };

  /* -------------------------------------------------------------- engine */
  function readData(el) {
    var id = el.getAttribute("data-source");
    var src = id ? document.getElementById(id) : null;
    if (!src) { return { src: null, data: null }; }
    try {
      return { src: src, data: JSON.parse(src.textContent) };
    } catch (e) {
      if (window.console) { console.error("eco311 charts: bad JSON in #" + id, e); }
      return { src: src, data: null };
    }
  }

  function showText(el, text) {
    var inst = echarts.getInstanceByDom(el);
    if (inst) { inst.dispose(); }
    el.textContent = text || "";
    el.classList.add("chart-error");
  }

  function apply(el, chart, spec, d) {
    if (spec.empty) { showText(el, spec.empty); return; }
    // An aria-label written in the template wins over ECharts' generated description.
    if (el._eco311OwnLabel) { spec.option.aria = { enabled: false }; }
    chart.setOption(spec.option, true);
    chart.resize();
    el._eco311Layout = spec.layoutKey;
    chart.off("click");
    if (spec.click) { chart.on("click", spec.click); }
  }

  function render(el) {
    if (typeof echarts === "undefined") { return; }
    var kind = el.getAttribute("data-chart");
    var build = builders[kind];
    var r = readData(el);
    el._eco311Source = r.src;
    if (!build || !r.data) { return; }
    var d = r.data;
    if (el._eco311OwnLabel === undefined) { el._eco311OwnLabel = el.hasAttribute("aria-label"); }
    if (!el.hasAttribute("role")) { el.setAttribute("role", "img"); }

    var chart = echarts.getInstanceByDom(el);
    if (!chart) {
      // Stale markup (e.g. an htmx history snapshot of a drawn chart) must go before init.
      el.innerHTML = "";
      el.classList.remove("chart-error");
      // Canvas by default (at least 2x so that printed pages stay sharp); data-renderer="svg" opts in.
      var svg = el.getAttribute("data-renderer") === "svg";
      chart = echarts.init(el, null, {
        renderer: svg ? "svg" : "canvas",
        devicePixelRatio: svg ? undefined : Math.max(2, window.devicePixelRatio || 1),
        locale: locale()
      });
      if (live.indexOf(el) < 0) { live.push(el); }
      observe(el);
    }
    var spec;
    try {
      spec = build(d, el, chart);
    } catch (e) {
      if (window.console) { console.error("eco311 charts: cannot build " + kind, e); }
      showText(el, d.errorLabel || "");
      return;
    }
    if (spec.wait) {
      chart.showLoading({ text: "", color: PRIMARY, maskColor: "rgba(255,255,255,0.6)" });
      spec.wait.then(function (res) {
        if (echarts.getInstanceByDom(el) !== chart) { return; }
        chart.hideLoading();
        apply(el, chart, spec.build(res, el, chart), d);
      }).catch(function (e) {
        if (window.console) { console.error("eco311 charts:", e); }
        showText(el, d.errorLabel || "");
      });
    } else {
      apply(el, chart, spec, d);
    }
  }

  function resize(el) {
    var chart = echarts.getInstanceByDom(el);
    if (!chart) { return; }
    var narrow = el.clientWidth < NARROW;
    if (el._eco311Layout !== undefined && el._eco311Layout !== narrow) {
      render(el); // layout depends on width (legend position etc.)
    }
    chart.resize();
  }

  var observer = null;
  function observe(el) {
    if (!window.ResizeObserver) { return; }
    if (!observer) {
      observer = new ResizeObserver(function (entries) {
        entries.forEach(function (en) { resize(en.target); });
      });
    }
    observer.observe(el);
  }

  function sweep() {
    live = live.filter(function (el) {
      if (document.body.contains(el)) { return true; }
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
      if (observer) { observer.unobserve(el); }
      return false;
    });
  }

  function renderAll(root) {
    if (typeof echarts === "undefined") { return; }
    sweep();
    var els = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(els, function (el) {
      var id = el.getAttribute("data-source");
      var current = id ? document.getElementById(id) : null;
      // New element, or its data element was swapped in by htmx: (re)draw.
      if (!echarts.getInstanceByDom(el) || el._eco311Source !== current) { render(el); }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (resizeTimer) { clearTimeout(resizeTimer); }
    resizeTimer = setTimeout(function () { live.forEach(resize); }, 120);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  } else {
    renderAll(document);
  }
  document.addEventListener("htmx:afterSettle", function () { renderAll(document); });
  document.addEventListener("htmx:historyRestore", function () { renderAll(document); });
  if (motionQuery && motionQuery.addEventListener) {
    motionQuery.addEventListener("change", function () { live.forEach(render); });
  }

  window.eco311Charts = { render: render, renderAll: renderAll, builders: builders };
})();
