import QuantMath
import TFLiteModel

// Prepare step of each supported operator. Shapes are the model's batch-1 shapes; the
// interpreter scales dimension 0 by the batch at run time.

extension OperatorContext {
    func options<T>(_ extract: (BuiltinOptions) -> T?) throws -> T {
        guard let value = extract(op.options) else { throw fail("missing or wrong builtin options") }
        return value
    }

    func perChannelMultipliers(inputScale: Float, weightScales: [Float], outputScale: Float) throws -> [QuantizedMultiplier] {
        try weightScales.map { w in
            // double(s_in) · double(s_w[c]) / double(s_out), as TFLite's PopulateConvolutionQuantizationParams.
            guard let m = QuantizedMultiplier(Double(inputScale) * Double(w) / Double(outputScale)) else {
                throw fail("requantization multiplier out of range")
            }
            return m
        }
    }

    mutating func prepareConv(depthwise: Bool) throws -> PreparedOperator {
        let (inT, filterT) = (try input(0), try input(1))
        try expectActivation(inT, "input")
        let inQ = try int8Quantization(inT, "input")
        let outQ = try int8Quantization(output, "output")
        let inShape = shape(inT), filterShape = shape(filterT), outShape = shape(output)
        guard inShape.count == 4, filterShape.count == 4, outShape.count == 4 else { throw fail("input, filter and output must be 4-D") }
        guard filterShape.allSatisfy({ $0 > 0 }), inShape.allSatisfy({ $0 > 0 }) else { throw fail("empty filter or input") }
        let padding: Padding, strideW: Int32, strideH: Int32, dilationW: Int32, dilationH: Int32
        let activation: ActivationFunction
        var multiplier = 1
        let outC: Int
        if depthwise {
            let o = try options { if case .depthwiseConv2D(let o) = $0 { o } else { nil } }
            (padding, strideW, strideH, dilationW, dilationH, activation) = (o.padding, o.strideW, o.strideH, o.dilationW, o.dilationH, o.activation)
            guard filterShape[0] == 1 else { throw fail("depthwise filter must be [1, kh, kw, C·M]") }
            outC = filterShape[3]
            guard outC % inShape[3] == 0 else { throw fail("filter channels \(outC) not a multiple of input channels \(inShape[3])") }
            multiplier = outC / inShape[3]
        } else {
            let o = try options { if case .conv2D(let o) = $0 { o } else { nil } }
            (padding, strideW, strideH, dilationW, dilationH, activation) = (o.padding, o.strideW, o.strideH, o.dilationW, o.dilationH, o.activation)
            guard filterShape[3] == inShape[3] else {
                throw fail("filter depth \(filterShape[3]) != input channels \(inShape[3]) (grouped convolution is not supported)")
            }
            outC = filterShape[0]
        }
        guard strideW > 0, strideH > 0, dilationW > 0, dilationH > 0, strideW < 1 << 16, strideH < 1 << 16,
              dilationW < 1 << 16, dilationH < 1 << 16
        else { throw fail("strides and dilations must be positive") }
        let (kh, kw) = (filterShape[1], filterShape[2])
        let rows = windowGeometry(inputSize: inShape[1], filterSize: kh, stride: Int(strideH), dilation: Int(dilationH), same: padding == .same)
        let cols = windowGeometry(inputSize: inShape[2], filterSize: kw, stride: Int(strideW), dilation: Int(dilationW), same: padding == .same)
        guard outShape == [inShape[0], rows.output, cols.output, outC], rows.output > 0, cols.output > 0 else {
            throw fail("output shape \(outShape), computed [\(inShape[0]), \(rows.output), \(cols.output), \(outC)]")
        }
        let scales = try weightScales(filterT, channels: outC, axis: depthwise ? 3 : 0)
        let biasT = try bias(2, channels: outC)
        let (lo, hi) = try activationRange(activation, scale: outQ.scale, zeroPoint: outQ.zeroPoint)
        let params = ConvParameters(
            inputHeight: inShape[1], inputWidth: inShape[2], inputChannels: inShape[3],
            outputHeight: rows.output, outputWidth: cols.output, outputChannels: outC,
            filterHeight: kh, filterWidth: kw, strideH: Int(strideH), strideW: Int(strideW),
            dilationH: Int(dilationH), dilationW: Int(dilationW), padTop: rows.padBefore, padLeft: cols.padBefore,
            depthMultiplier: multiplier, inputOffset: -inQ.zeroPoint, outputOffset: outQ.zeroPoint,
            activationMin: lo, activationMax: hi)
        let step = ConvStep(input: inT, filter: filterT, bias: biasT, output: output, params: params,
                            multipliers: try perChannelMultipliers(inputScale: inQ.scale, weightScales: scales, outputScale: outQ.scale))
        let tapsPerOutput = kh * kw * (depthwise ? 1 : inShape[3])
        let quant = Set(scales).count > 1 ? "per-channel" : "per-tensor"
        let details = "\(kh)x\(kw) s\(strideH)x\(strideW)" + (dilationH > 1 || dilationW > 1 ? " d\(dilationH)x\(dilationW)" : "")
            + " \(padding)" + (depthwise ? " m\(multiplier)" : "") + (activation == .none ? "" : " \(activation)") + ", \(quant)"
        return PreparedOperator(
            step: depthwise ? .depthwiseConv2D(step) : .conv2D(step),
            macs: rows.output * cols.output * outC * tapsPerOutput,
            scratchInt32: depthwise ? 0 : rows.output * cols.output * outC,
            weightInputs: Set([filterT] + (biasT.map { [$0] } ?? [])), details: details)
    }

    mutating func prepareFullyConnected() throws -> PreparedOperator {
        let (inT, weightsT) = (try input(0), try input(1))
        try expectActivation(inT, "input")
        let inQ = try int8Quantization(inT, "input")
        let outQ = try int8Quantization(output, "output")
        let o = try options { if case .fullyConnected(let o) = $0 { o } else { nil } }
        guard o.weightsFormat == 0 else { throw fail("shuffled weights format is not supported") }
        let w = shape(weightsT)
        guard w.count == 2, w[0] > 0, w[1] > 0 else { throw fail("weights must be 2-D [units, depth], got \(w)") }
        let (units, depth) = (w[0], w[1])
        guard count(inT) % depth == 0 else { throw fail("input of \(count(inT)) elements is not a multiple of depth \(depth)") }
        let rows = count(inT) / depth
        guard count(output) == rows * units else { throw fail("output has \(count(output)) elements, expected \(rows * units)") }
        let scales = try weightScales(weightsT, channels: units, axis: 0)
        let biasT = try bias(2, channels: units)
        let (lo, hi) = try activationRange(o.activation, scale: outQ.scale, zeroPoint: outQ.zeroPoint)
        let params = FullyConnectedParameters(depth: depth, units: units, inputOffset: -inQ.zeroPoint,
                                              outputOffset: outQ.zeroPoint, activationMin: lo, activationMax: hi)
        let step = FullyConnectedStep(
            input: inT, weights: weightsT, bias: biasT, output: output, params: params,
            multipliers: try perChannelMultipliers(inputScale: inQ.scale, weightScales: scales, outputScale: outQ.scale),
            rowsPerSample: rows)
        return PreparedOperator(step: .fullyConnected(step), macs: rows * units * depth, scratchInt32: rows * units,
                                weightInputs: Set([weightsT] + (biasT.map { [$0] } ?? [])),
                                details: "\(depth)→\(units)" + (o.activation == .none ? "" : " \(o.activation)")
                                    + (Set(scales).count > 1 ? ", per-channel" : ", per-tensor"))
    }

    mutating func preparePool(max isMax: Bool) throws -> PreparedOperator {
        let inT = try input(0)
        try expectActivation(inT, "input")
        let inQ = try int8Quantization(inT, "input")
        let outQ = try int8Quantization(output, "output")
        guard inQ == outQ else { throw fail("input and output quantization differ") }
        let o = try options { if case .pool2D(let o) = $0 { o } else { nil } }
        let inShape = shape(inT), outShape = shape(output)
        guard inShape.count == 4, inShape.allSatisfy({ $0 > 0 }) else { throw fail("input must be 4-D and non-empty") }
        guard o.strideW > 0, o.strideH > 0, o.filterWidth > 0, o.filterHeight > 0, o.strideW < 1 << 16, o.strideH < 1 << 16,
              o.filterWidth < 1 << 16, o.filterHeight < 1 << 16
        else { throw fail("strides and filter sizes must be positive") }
        let rows = windowGeometry(inputSize: inShape[1], filterSize: Int(o.filterHeight), stride: Int(o.strideH), dilation: 1, same: o.padding == .same)
        let cols = windowGeometry(inputSize: inShape[2], filterSize: Int(o.filterWidth), stride: Int(o.strideW), dilation: 1, same: o.padding == .same)
        guard outShape == [inShape[0], rows.output, cols.output, inShape[3]], rows.output > 0, cols.output > 0 else {
            throw fail("output shape \(outShape), computed [\(inShape[0]), \(rows.output), \(cols.output), \(inShape[3])]")
        }
        let (lo, hi) = try activationRange(o.activation, scale: outQ.scale, zeroPoint: outQ.zeroPoint)
        let params = PoolParameters(inputHeight: inShape[1], inputWidth: inShape[2], channels: inShape[3],
                                    outputHeight: rows.output, outputWidth: cols.output,
                                    filterHeight: Int(o.filterHeight), filterWidth: Int(o.filterWidth),
                                    strideH: Int(o.strideH), strideW: Int(o.strideW), padTop: rows.padBefore,
                                    padLeft: cols.padBefore, activationMin: lo, activationMax: hi)
        let step = PoolStep(input: inT, output: output, params: params)
        return PreparedOperator(step: isMax ? .maxPool2D(step) : .averagePool2D(step),
                                details: "\(o.filterHeight)x\(o.filterWidth) s\(o.strideH)x\(o.strideW) \(o.padding)")
    }

    mutating func prepareMean() throws -> PreparedOperator {
        let inT = try input(0)
        try expectActivation(inT, "input")
        let inQ = try int8Quantization(inT, "input")
        let outQ = try int8Quantization(output, "output")
        let rank = shape(inT).count
        var axes = Set<Int>()
        for a in try constantIntegers(try input(1), "axes") {
            guard a >= -rank && a < rank else { throw fail("axis \(a) out of range for rank \(rank)") }
            axes.insert(a < 0 ? a + rank : a)
        }
        guard let params = MeanParameters(inputShape: shape(inT), axes: axes, inputScale: inQ.scale, inputZeroPoint: inQ.zeroPoint,
                                          outputScale: outQ.scale, outputZeroPoint: outQ.zeroPoint)
        else { throw fail("unsupported rank or multiplier out of range") }
        guard params.outputCount == count(output) else { throw fail("output has \(count(output)) elements, expected \(params.outputCount)") }
        return PreparedOperator(step: .mean(MeanStep(input: inT, output: output, params: params)),
                                scratchInt32: params.outputCount, details: "axes \(axes.sorted())",
                                batchBlocker: axes.contains(0) ? "reduces over the batch dimension" : nil)
    }

    mutating func prepareBinary(add: Bool) throws -> PreparedOperator {
        let (a, b) = (try input(0), try input(1))
        let qa = try int8Quantization(a, "input 1"), qb = try int8Quantization(b, "input 2")
        let outQ = try int8Quantization(output, "output")
        let activation = try options { o -> ActivationFunction? in
            switch o {
            case .add(let act), .mul(let act): return act
            case .none: return ActivationFunction.none
            default: return nil
            }
        }
        guard let plan = BroadcastPlan(shape(a), shape(b)) else { throw fail("shapes \(shape(a)) and \(shape(b)) do not broadcast") }
        guard plan.outputCount == count(output) else { throw fail("output has \(count(output)) elements, broadcast gives \(plan.outputCount)") }
        let (lo, hi) = try activationRange(activation, scale: outQ.scale, zeroPoint: outQ.zeroPoint)
        let constants = Set([a, b].filter(isConstant))
        let step: Step
        if add {
            guard let p = AddParameters(scale1: qa.scale, zeroPoint1: qa.zeroPoint, scale2: qb.scale, zeroPoint2: qb.zeroPoint,
                                        outputScale: outQ.scale, outputZeroPoint: outQ.zeroPoint, activationMin: lo, activationMax: hi)
            else { throw fail("requantization multiplier out of range") }
            step = .add(BinaryStep(input1: a, input2: b, output: output, plan: plan, params: p))
        } else {
            guard let p = MulParameters(scale1: qa.scale, zeroPoint1: qa.zeroPoint, scale2: qb.scale, zeroPoint2: qb.zeroPoint,
                                        outputScale: outQ.scale, outputZeroPoint: outQ.zeroPoint, activationMin: lo, activationMax: hi)
            else { throw fail("requantization multiplier out of range") }
            step = .mul(BinaryStep(input1: a, input2: b, output: output, plan: plan, params: p))
        }
        let broadcast = shape(a) == shape(b) ? "" : "broadcast \(shape(a))·\(shape(b))"
        // Elementwise products are not counted as MACs (the convention of the 133.8M quoted for seed64).
        return PreparedOperator(step: step, weightInputs: constants,
                                details: broadcast + (activation == .none ? "" : " \(activation)"))
    }

    mutating func prepareSoftmax() throws -> PreparedOperator {
        let inT = try input(0)
        try expectActivation(inT, "input")
        let inQ = try int8Quantization(inT, "input")
        let outQ = try int8Quantization(output, "output")
        let beta = try options { if case .softmax(let beta) = $0 { beta } else { nil } }
        guard beta.isFinite else { throw fail("beta \(beta) is not finite") }
        guard let row = shape(inT).last, row > 0, count(output) == count(inT) else { throw fail("input and output must match and be non-empty") }
        let params = SoftmaxParameters(rowLength: row, inputScale: inQ.scale, beta: beta, outputScale: outQ.scale,
                                       outputZeroPoint: outQ.zeroPoint)
        return PreparedOperator(step: .softmax(SoftmaxStep(input: inT, output: output, rowsPerSample: count(inT) / row, params: params)),
                                details: "beta \(beta)")
    }

    mutating func prepareConversion(quantize: Bool) throws -> PreparedOperator {
        let inT = try input(0)
        try expectActivation(inT, "input")
        guard count(inT) == count(output) else { throw fail("input and output element counts differ") }
        if quantize {
            try expectType(inT, .float32, "input")
            let q = try int8Quantization(output, "output")
            return PreparedOperator(step: .quantize(ConvertStep(input: inT, output: output, count: count(inT), scale: q.scale, zeroPoint: q.zeroPoint)),
                                    details: "float32→int8")
        }
        try expectType(output, .float32, "output")
        let q = try int8Quantization(inT, "input")
        return PreparedOperator(step: .dequantize(ConvertStep(input: inT, output: output, count: count(inT), scale: q.scale, zeroPoint: q.zeroPoint)),
                                details: "int8→float32")
    }

    mutating func prepareReshape() throws -> PreparedOperator {
        let inT = try input(0)
        try expectActivation(inT, "input")
        guard graph.tensors[inT].type == graph.tensors[output].type else { throw fail("input and output types differ") }
        guard count(inT) == count(output) else { throw fail("reshape from \(shape(inT)) to \(shape(output)) changes the element count") }
        try expectSameQuantization(inT, output)
        return PreparedOperator(step: .copy(CopyStep(input: inT, output: output, bytes: slots[inT].bytesPerSample)),
                                details: "\(shape(inT))→\(shape(output))")
    }

    func expectSameQuantization(_ a: Int, _ b: Int) throws {
        let qa = graph.tensors[a].quantization, qb = graph.tensors[b].quantization
        guard qa?.scale == qb?.scale, qa?.zeroPoint == qb?.zeroPoint else {
            throw fail("input and output quantization differ (requantizing copies are not supported)")
        }
    }

    mutating func preparePad() throws -> PreparedOperator {
        let inT = try input(0)
        try expectActivation(inT, "input")
        let type = graph.tensors[inT].type
        guard type == graph.tensors[output].type, type == .int8 || type == .float32 else { throw fail("input must be int8 or float32 like the output") }
        var padByte: UInt8 = 0
        if type == .int8 {
            let q = try int8Quantization(inT, "input")
            try expectSameQuantization(inT, output)
            padByte = UInt8(bitPattern: Int8(q.zeroPoint))
        }
        let inShape = shape(inT)
        guard inShape.count <= 4 else { throw fail("rank \(inShape.count) above 4") }
        let paddings = try constantIntegers(try input(1), "paddings")
        guard paddings.count == 2 * inShape.count, paddings.allSatisfy({ $0 >= 0 && $0 < 1 << 20 }) else {
            throw fail("paddings must be \(inShape.count)x2 non-negative values")
        }
        let lead = 4 - inShape.count
        let dims = Array(repeating: 1, count: lead) + inShape
        let before = Array(repeating: 0, count: lead) + stride(from: 0, to: paddings.count, by: 2).map { paddings[$0] }
        let after = Array(repeating: 0, count: lead) + stride(from: 1, to: paddings.count, by: 2).map { paddings[$0] }
        let params = PadParameters(inputDims: dims, before: before, after: after, elementSize: type.byteSize!, padByte: padByte)
        guard params.outputDims.reduce(1, *) == count(output), params.outputDims.suffix(inShape.count) == ArraySlice(shape(output)) else {
            throw fail("output shape \(shape(output)), padding gives \(params.outputDims.suffix(inShape.count))")
        }
        return PreparedOperator(step: .pad(PadStep(input: inT, output: output, params: params)),
                                details: "paddings \(paddings)",
                                batchBlocker: inShape.isEmpty || before[lead] + after[lead] == 0 ? nil : "pads the batch dimension")
    }

    mutating func prepareConcatenation() throws -> PreparedOperator {
        let (axisOption, activation) = try options { if case .concatenation(let a, let act) = $0 { (a, act) } else { nil } }
        guard activation == .none else { throw fail("fused activation on CONCATENATION is not supported") }
        let outShape = shape(output)
        let rank = outShape.count
        guard rank > 0, axisOption >= -Int32(rank), axisOption < Int32(rank) else { throw fail("axis \(axisOption) out of range") }
        let axis = axisOption < 0 ? Int(axisOption) + rank : Int(axisOption)
        let inputsT = try (0..<op.inputs.count).map { try input($0) }
        guard !inputsT.isEmpty else { throw fail("no inputs") }
        let size = graph.tensors[output].type.byteSize ?? 1
        var axisTotal = 0
        for t in inputsT {
            guard graph.tensors[t].type == graph.tensors[output].type else { throw fail("input types differ from the output") }
            try expectSameQuantization(t, output)
            let s = shape(t)
            guard s.count == rank, (0..<rank).allSatisfy({ $0 == axis || s[$0] == outShape[$0] }) else {
                throw fail("input shape \(s) does not fit output \(outShape) along axis \(axis)")
            }
            axisTotal += s[axis]
        }
        guard axisTotal == outShape[axis] else { throw fail("inputs sum to \(axisTotal) along axis \(axis), output has \(outShape[axis])") }
        let outer = outShape.prefix(axis).reduce(1, *)
        let inner = outShape.suffix(from: axis + 1).reduce(1, *)
        let step = ConcatenationStep(inputs: inputsT, output: output,
                                     slabBytes: inputsT.map { shape($0)[axis] * inner * size }, outerCount: outer)
        return PreparedOperator(step: .concatenation(step), weightInputs: Set(inputsT.filter(isConstant)),
                                details: "axis \(axis)", batchBlocker: axis == 0 ? "concatenates along the batch dimension" : nil)
    }
}
