import onnxProto from 'onnx-proto'

/** The generated ONNX protobuf classes (onnx-proto is CommonJS, so it arrives as a default export). */
export const { onnx } = onnxProto

type Dim = number | string

/** A float32 initializer, stored as little-endian `raw_data` so the bytes do not depend on the host. */
export function floatInitializer(name: string, dims: readonly number[], values: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 4)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw }
}

/** A float32 graph input or output; string dimensions are symbolic (`batch`). */
export function floatValueInfo(name: string, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  }
}

/** An integer attribute of a node. */
export function intAttribute(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
}

/** Serialises a model; protobufjs writes fields in declaration order, so equal models give equal bytes. */
export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish()
}
