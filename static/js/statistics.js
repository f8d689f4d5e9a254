// Draws the public statistics chart from the JSON embedded in the page (Chart.js served locally).
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  var canvas = document.getElementById("stats-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (s) {
        return { label: s.label, data: s.data, backgroundColor: s.color, stack: "answers" };
      })
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: "y",
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
