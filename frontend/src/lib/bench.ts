// Measuring hooks (window.__dashPerf, read by bench/ui_timeline.py) exist only in `npm run build:bench`;
// everywhere else this is false and the bundler drops the code behind it.
export const BENCH_BUILD = import.meta.env.MODE === 'bench';
