// Draws the public statistics chart (the quarterly trend: four short labels fit a phone) from the JSON embedded in the page (Chart.js served locally).
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
      animation: false,
      scales: { y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, x: { stacked: true } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
