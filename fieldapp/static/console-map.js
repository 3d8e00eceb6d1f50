// The households' map (fieldapp/console/maps.py draws it): each click on it adds a corner of a polygon,
// which is sent as GeoJSON ([longitude, latitude], closed ring) in the form's hidden "polygon" field.
// Served from /static under the console's CSP (script-src 'self'): nothing inline, no library.
(function () {
  "use strict";
  var svg = document.getElementById("household-map");
  var form = document.getElementById("polygon-form");
  if (!svg || !form || !svg.dataset.drawable) { return; }
  var NS = "http://www.w3.org/2000/svg";
  var west = parseFloat(svg.dataset.west), north = parseFloat(svg.dataset.north);
  var scale = parseFloat(svg.dataset.scale), coslat = parseFloat(svg.dataset.coslat);
  var layer = svg.querySelector(".drawing");
  var input = document.getElementById("polygon");
  var status = document.getElementById("draw-status");
  var corners = [];  // [[x, y] in the SVG's units]

  function lonLat(xy) {
    return [+(west + xy[0] / (coslat * scale)).toFixed(7), +(north - xy[1] / scale).toFixed(7)];
  }

  function redraw() {
    while (layer.firstChild) { layer.removeChild(layer.firstChild); }
    if (corners.length > 1) {
      var shape = document.createElementNS(NS, corners.length > 2 ? "polygon" : "polyline");
      shape.setAttribute("class", "drawn");
      shape.setAttribute("points", corners.map(function (c) { return c[0] + "," + c[1]; }).join(" "));
      layer.appendChild(shape);
    }
    corners.forEach(function (c) {
      var dot = document.createElementNS(NS, "circle");
      dot.setAttribute("class", "vertex");
      dot.setAttribute("cx", c[0]);
      dot.setAttribute("cy", c[1]);
      dot.setAttribute("r", 5);
      layer.appendChild(dot);
    });
    if (corners.length >= 3) {
      var ring = corners.map(lonLat);
      ring.push(ring[0]);
      input.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    } else {
      input.value = "";
    }
    status.textContent = corners.length === 0 ? "Chưa đặt điểm nào." :
      "Đã đặt " + corners.length + " điểm" + (corners.length < 3 ? " (cần ít nhất 3)." : ".");
  }

  svg.addEventListener("click", function (event) {
    var matrix = svg.getScreenCTM();
    if (!matrix) { return; }
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var at = point.matrixTransform(matrix.inverse());
    corners.push([Math.round(at.x * 10) / 10, Math.round(at.y * 10) / 10]);
    redraw();
  });
  document.getElementById("draw-undo").addEventListener("click", function () { corners.pop(); redraw(); });
  document.getElementById("draw-clear").addEventListener("click", function () { corners = []; redraw(); });
  form.addEventListener("submit", function (event) {
    if (corners.length < 3) {
      event.preventDefault();
      status.textContent = "Cần đặt ít nhất 3 điểm trên bản đồ trước khi chọn.";
    }
  });
  svg.classList.add("drawable");
  redraw();
}());
