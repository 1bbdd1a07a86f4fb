// processmining explore: the only script of the page (the Content-Security-Policy allows no other).
// The page works without it: the sliders' form has a Show button and every link is a plain link.
// With it, moving a slider or switching the map's mode shows the new view at once, and the slider's
// value is read out while it moves.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("map-controls");
  if (form) {
    form.querySelectorAll("input[type=range]").forEach(function (input) {
      var out = document.getElementById(input.id + "-value");
      input.addEventListener("input", function () {
        if (out) { out.textContent = input.value + " %"; }
      });
      input.addEventListener("change", function () { form.submit(); });
    });
    form.querySelectorAll("input[type=radio]").forEach(function (input) {
      input.addEventListener("change", function () { form.submit(); });
    });
  }
  // After a drill-down link the details come first: move the keyboard focus there.
  var detail = document.getElementById("detail");
  if (detail) { detail.focus(); }
});
