// Charts: PNG download drawn from the page's own SVG, and data tables opened for printing.
// No inline script (CSP): this file is loaded by the pages that show charts.
(function () {
  function downloadPng(button) {
    var figure = document.getElementById(button.dataset.chart);
    var svg = figure && figure.querySelector("svg");
    if (!svg) { return; }
    var width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
    var scale = 2;  // sharp enough to print or paste into slides
    var text = new XMLSerializer().serializeToString(svg);
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = width * scale;
      canvas.height = height * scale;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.dataset.filename || "chart.png";
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      }, "image/png");
    };
    image.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(text)));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-chart-png");
    if (button) { downloadPng(button); }
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
  });
})();
