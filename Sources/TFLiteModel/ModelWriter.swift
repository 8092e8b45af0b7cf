// Encodes `Model` as a TFLite flatbuffer ("TFL3"), field ids as in schema.fbs. Buffers are
// written first so their data sits at the end of the file, 16-byte aligned (force_align: 16).

extension Model {
    /// The model as TFLite file bytes.
    public func serialized() -> [UInt8] {
        var b = FlatBufferBuilder(capacity: buffers.reduce(4096) { $0 + $1.data.count + 32 })
        let bufferOffsets = buffers.map { buffer -> FlatBufferOffset in
            let data = buffer.data.isEmpty ? nil : b.createVector(buffer.data, alignment: 16)
            b.startTable()
            b.add(0, data)
            return b.endTable()
        }
        let metadataOffsets = metadata.map { entry -> FlatBufferOffset in
            let name = b.createString(entry.name)
            b.startTable()
            b.add(0, name)
            b.add(1, entry.buffer)
            return b.endTable()
        }
        let subgraphOffsets = subgraphs.map { $0.write(into: &b) }
        let codeOffsets = operatorCodes.map { code -> FlatBufferOffset in
            let custom = code.customCode.map { b.createString($0) }
            b.startTable()
            b.add(0, code.deprecatedBuiltinCode)
            b.add(1, custom)
            b.add(2, code.version)
            b.add(3, code.builtinCode)
            return b.endTable()
        }
        let descriptionOffset = description.map { b.createString($0) }
        let codesVector = b.createVector(codeOffsets)
        let subgraphsVector = b.createVector(subgraphOffsets)
        let buffersVector = b.createVector(bufferOffsets)
        let metadataVector = metadata.isEmpty ? nil : b.createVector(metadataOffsets)
        b.startTable()
        b.add(0, version)
        b.add(1, codesVector)
        b.add(2, subgraphsVector)
        b.add(3, descriptionOffset)
        b.add(4, buffersVector)
        b.add(6, metadataVector)
        let root = b.endTable()
        return b.finish(root: root, fileIdentifier: "TFL3")
    }
}

extension SubGraph {
    fileprivate func write(into b: inout FlatBufferBuilder) -> FlatBufferOffset {
        let tensorOffsets = tensors.map { $0.write(into: &b) }
        let operatorOffsets = operators.map { $0.write(into: &b) }
        let tensorsVector = b.createVector(tensorOffsets)
        let inputsVector = b.createVector(inputs)
        let outputsVector = b.createVector(outputs)
        let operatorsVector = b.createVector(operatorOffsets)
        let nameOffset = name.map { b.createString($0) }
        b.startTable()
        b.add(0, tensorsVector)
        b.add(1, inputsVector)
        b.add(2, outputsVector)
        b.add(3, operatorsVector)
        b.add(4, nameOffset)
        return b.endTable()
    }
}

extension Tensor {
    fileprivate func write(into b: inout FlatBufferBuilder) -> FlatBufferOffset {
        let shapeVector = b.createVector(shape)
        let nameOffset = b.createString(name)
        let quantOffset = quantization.map { q -> FlatBufferOffset in
            let minVector = q.min.isEmpty ? nil : b.createVector(q.min)
            let maxVector = q.max.isEmpty ? nil : b.createVector(q.max)
            let scaleVector = b.createVector(q.scale)
            let zeroVector = b.createVector(q.zeroPoint)
            b.startTable()
            b.add(0, minVector)
            b.add(1, maxVector)
            b.add(2, scaleVector)
            b.add(3, zeroVector)
            b.add(6, q.quantizedDimension)
            return b.endTable()
        }
        let signatureVector = shapeSignature.map { b.createVector($0) }
        b.startTable()
        b.add(0, shapeVector)
        b.add(1, type.rawValue)
        b.add(2, buffer)
        b.add(3, nameOffset)
        b.add(4, quantOffset)
        b.add(5, isVariable)
        b.add(7, signatureVector)
        return b.endTable()
    }
}

extension Operator {
    fileprivate func write(into b: inout FlatBufferBuilder) -> FlatBufferOffset {
        let optionsOffset = options.write(into: &b)
        let inputsVector = b.createVector(inputs)
        let outputsVector = b.createVector(outputs)
        b.startTable()
        b.add(0, opcodeIndex)
        b.add(1, inputsVector)
        b.add(2, outputsVector)
        if let optionsOffset {
            b.add(3, options.unionType)
            b.add(4, optionsOffset)
        }
        return b.endTable()
    }
}

extension BuiltinOptions {
    /// Writes the options table; nil for `.none` and for members this writer cannot encode.
    fileprivate func write(into b: inout FlatBufferBuilder) -> FlatBufferOffset? {
        switch self {
        case .none, .unsupported:
            return nil
        case .reshape(let newShape):
            let shapeVector = newShape.map { b.createVector($0) }
            b.startTable()
            b.add(0, shapeVector)
            return b.endTable()
        default:
            break
        }
        b.startTable()
        switch self {
        case .conv2D(let o):
            b.add(0, o.padding.rawValue); b.add(1, o.strideW); b.add(2, o.strideH)
            b.add(3, o.activation.rawValue); b.add(4, o.dilationW); b.add(5, o.dilationH)
        case .depthwiseConv2D(let o):
            b.add(0, o.padding.rawValue); b.add(1, o.strideW); b.add(2, o.strideH); b.add(3, o.depthMultiplier)
            b.add(4, o.activation.rawValue); b.add(5, o.dilationW); b.add(6, o.dilationH)
        case .pool2D(let o):
            b.add(0, o.padding.rawValue); b.add(1, o.strideW); b.add(2, o.strideH)
            b.add(3, o.filterWidth); b.add(4, o.filterHeight); b.add(5, o.activation.rawValue)
        case .fullyConnected(let o):
            b.add(0, o.activation.rawValue); b.add(1, o.weightsFormat); b.add(2, o.keepNumDims)
            b.add(3, o.asymmetricQuantizeInputs)
        case .softmax(let beta):
            b.add(0, beta)
        case .concatenation(let axis, let activation):
            b.add(0, axis); b.add(1, activation.rawValue)
        case .add(let activation), .mul(let activation):
            b.add(0, activation.rawValue)
        case .reducer(let keepDims):
            b.add(0, keepDims)
        case .pad, .quantize, .dequantize, .none, .unsupported, .reshape:
            break
        }
        return b.endTable()
    }
}
