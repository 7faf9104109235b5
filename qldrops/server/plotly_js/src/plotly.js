// The dashboards' charts (qldrops.dashboards: analytics and explorer) use these trace types only:
// scatter (in the core), bar, box and funnel. The full plotly.js is 4.8 MB of JavaScript that every
// visitor's browser must run before the first chart draws; this bundle is about a quarter of it.
// Keep the list in step with qldrops.server.static.PLOTLY_TRACES (a test compares them).
var Plotly = require('plotly.js/lib/core');

Plotly.register([
  require('plotly.js/lib/bar'),
  require('plotly.js/lib/box'),
  require('plotly.js/lib/funnel'),
]);

window.Plotly = Plotly;
