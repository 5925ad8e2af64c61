// Types for /assets/vendor/uPlot.esm.js, which the server serves from node_modules/uplot/dist
// (src/audit/explorer/page-assets.ts): uPlot's own declarations.
import uPlot from 'uplot';
export default uPlot;
