// Runs the scanner's code off the page's main thread: one request at a time, answered with
// the engine's JSON and how long it took.
import init, { migrate, scan } from "./pkg/upstream_first_playground.js";

const ready = init().then(
  () => null,
  (error) => String(error),
);

self.onmessage = async ({ data }) => {
  const failed = await ready;
  const started = performance.now();
  let result;
  if (failed) {
    result = { crash: `the engine could not start: ${failed}` };
  } else {
    try {
      const input = JSON.stringify(data.input);
      result = JSON.parse(data.kind === "migrate" ? migrate(input, data.target) : scan(input));
    } catch (error) {
      // A trap in the engine: the page starts a new worker.
      result = { crash: String(error) };
    }
  }
  self.postMessage({ id: data.id, result, ms: performance.now() - started });
};
