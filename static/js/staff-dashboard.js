// Charts of the staff dashboard, drawn with the locally served Chart.js from the page's JSON data.
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var monthLabels = data.months.map(function (m) { return m.slice(5) + "/" + m.slice(0, 4); });
  var monthly = document.getElementById("chart-monthly");
  if (monthly) {
    new Chart(monthly, {
      type: "bar",
      data: {
        labels: monthLabels,
        datasets: [
          { label: data.labels.received, data: data.received, backgroundColor: "#0d6efd" },
          { label: data.labels.answered, data: data.answered, backgroundColor: "#198754" }
        ]
      },
      options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  var units = document.getElementById("chart-units");
  if (units && units.parentNode.dataset.height) {
    // The box grows with the number of units (set here: the page may carry no inline style).
    units.parentNode.style.height = units.parentNode.dataset.height + "px";
  }
  if (units) {
    new Chart(units, {
      type: "bar",
      data: {
        labels: data.units,
        datasets: [{ label: data.labels.rate, data: data.rates, backgroundColor: "#fd7e14" }]
      },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, scales: { x: { min: 0, max: 100 } } }
    });
  }
  var satisfaction = document.getElementById("chart-satisfaction");
  if (satisfaction && data.satisfaction) {
    var s = data.satisfaction;
    new Chart(satisfaction, {
      type: "bar",
      data: {
        labels: s.units,
        datasets: [
          { label: data.labels.satisfied, data: s.satisfied, backgroundColor: "#198754" },
          { label: data.labels.acceptable, data: s.acceptable, backgroundColor: "#ffc107" },
          { label: data.labels.dissatisfied, data: s.dissatisfied, backgroundColor: "#dc3545" }
        ]
      },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false,
                 scales: { x: { stacked: true, min: 0, max: 100 }, y: { stacked: true } } }
    });
  }
})();
