// report.html: pan and zoom of the maps (wheel, drag, buttons, keyboard) and the frequency/waiting switch.
// Vanilla JS, no network. Without JS every map is shown, one below the other, at full width.
(function () {
  "use strict";
  var STEP = 1.25, MIN = 0.5, MAX = 24;

  function setup(fig) {
    var viewport = fig.querySelector(".viewport");
    var status = fig.querySelector(".zoom-level");
    var states = Array.prototype.map.call(fig.querySelectorAll(".pane"), function (pane) {
      var svg = pane.querySelector("svg");
      var box = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
      if (box.length !== 4 || box.some(isNaN) || !box[2] || !box[3]) {
        var b = svg.getBBox();
        box = [b.x, b.y, b.width || 1, b.height || 1];
      }
      return { pane: pane, svg: svg, base: box, view: box.slice() };
    });
    if (!viewport || !states.length) { return; }
    var active = 0, drag = null;

    function current() { return states[active]; }
    function apply() {
      var s = current();
      s.svg.setAttribute("viewBox", s.view.map(function (v) { return +v.toFixed(3); }).join(" "));
      var zoom = s.base[2] / s.view[2];
      viewport.setAttribute("data-zoom", zoom.toFixed(3));
      if (status) { status.textContent = Math.round(zoom * 100) + "\u00a0%"; }
    }
    function perPixel() {
      var s = current(), r = s.svg.getBoundingClientRect();
      return Math.max(s.view[2] / (r.width || 1), s.view[3] / (r.height || 1));
    }
    function toSvg(clientX, clientY) {  // the point under the pointer, in the map's coordinates
      var s = current(), r = s.svg.getBoundingClientRect(), k = perPixel(), v = s.view;
      return [v[0] - (r.width * k - v[2]) / 2 + (clientX - r.left) * k,
              v[1] - (r.height * k - v[3]) / 2 + (clientY - r.top) * k];
    }
    function zoom(factor, cx, cy) {
      var s = current(), v = s.view, level = s.base[2] / v[2];
      factor = Math.min(Math.max(factor, MIN / level), MAX / level);
      if (cx === undefined) { cx = v[0] + v[2] / 2; cy = v[1] + v[3] / 2; }
      v[0] = cx - (cx - v[0]) / factor; v[1] = cy - (cy - v[1]) / factor;
      v[2] /= factor; v[3] /= factor;
      apply();
    }
    function pan(dx, dy) { var v = current().view; v[0] += dx; v[1] += dy; apply(); }
    function reset() { var s = current(); s.view = s.base.slice(); apply(); }
    function show(name) {
      states.forEach(function (s, i) {
        var on = s.pane.getAttribute("data-pane") === name;
        s.pane.hidden = !on;
        if (on) { active = i; }
      });
      Array.prototype.forEach.call(fig.querySelectorAll("[data-show]"), function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-show") === name));
      });
      viewport.setAttribute("data-showing", name);
      fit();
      apply();
    }

    viewport.addEventListener("wheel", function (e) {
      // The wheel zooms once the map has focus (a click or Tab), so scrolling the page never gets stuck here.
      if (document.activeElement !== viewport && !e.ctrlKey) { return; }
      e.preventDefault();
      var p = toSvg(e.clientX, e.clientY);
      zoom(e.deltaY < 0 ? STEP : 1 / STEP, p[0], p[1]);
    }, { passive: false });
    viewport.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      viewport.focus({ preventScroll: true });
      drag = { x: e.clientX, y: e.clientY };
      viewport.setPointerCapture(e.pointerId);
      viewport.classList.add("dragging");
    });
    viewport.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var k = perPixel();
      pan(-(e.clientX - drag.x) * k, -(e.clientY - drag.y) * k);
      drag = { x: e.clientX, y: e.clientY };
    });
    function stop() { drag = null; viewport.classList.remove("dragging"); }
    viewport.addEventListener("pointerup", stop);
    viewport.addEventListener("pointercancel", stop);
    viewport.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) { return; }
      var v = current().view, step = 0.1;
      switch (e.key) {
        case "+": case "=": zoom(STEP); break;
        case "-": case "_": zoom(1 / STEP); break;
        case "0": reset(); break;
        case "ArrowLeft": pan(-v[2] * step, 0); break;
        case "ArrowRight": pan(v[2] * step, 0); break;
        case "ArrowUp": pan(0, -v[3] * step); break;
        case "ArrowDown": pan(0, v[3] * step); break;
        default: return;
      }
      e.preventDefault();
    });
    Array.prototype.forEach.call(fig.querySelectorAll("[data-zoom]"), function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-zoom");
        if (what === "in") { zoom(STEP); } else if (what === "out") { zoom(1 / STEP); } else { reset(); }
      });
    });
    Array.prototype.forEach.call(fig.querySelectorAll("[data-show]"), function (b) {
      b.addEventListener("click", function () { show(b.getAttribute("data-show")); });
    });

    // The map's box takes the map's own proportions, between 20rem and 85 % of the window's height.
    function fit() {
      var b = states[active].base, w = viewport.clientWidth || 800;
      var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
      viewport.style.height = Math.round(Math.min(Math.max(w * b[3] / b[2], 20 * rem), 0.85 * window.innerHeight)) + "px";
    }
    window.addEventListener("resize", fit);

    fig.classList.add("js");
    var toolbar = fig.querySelector(".toolbar");
    if (toolbar) { toolbar.hidden = false; }
    show(states[0].pane.getAttribute("data-pane"));
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-viewer]"), setup);
}());
