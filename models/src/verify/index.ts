// Model verification for whoever accepts packages (the hub's registry): onnxruntime-web only, no TF.js.
export { selfTestFailures } from '../build/onnx/check-self-test.ts'
