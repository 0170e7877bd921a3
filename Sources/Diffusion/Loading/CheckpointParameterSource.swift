import Foundation
import SafeTensors
import Tensors

/// Serves one model component's parameters, asked for by diffusers name, from checkpoint tensors: each name is
/// located through `locate` (the identity for diffusers folders, the LDM mapping for single files), converted
/// from the stored F32/F16/BF16/F64 to the backend's compute dtype, and transformed as the locator says.
///
/// Problems are recorded, not thrown: `finish()` reports every missing, misshapen or unreadable parameter, and
/// every tensor in `expectedKeys` that no parameter used.
final class CheckpointParameterSource: ParameterSource {
    let backend: any Backend
    private let tensors: CheckpointTensors
    private let component: String
    private let path: String
    private let locate: (String) -> TensorLocator?
    private let expectedKeys: Set<String>
    private var consumed: Set<String> = []
    /// Keys already reported: one stored tensor can hold several parameters (OpenCLIP's q, k, v).
    private var reported: Set<String> = []
    private var problems = ParameterProblems()

    /// - Parameters:
    ///   - expectedKeys: the tensors this component should use up; those left over are reported as unused.
    ///   - path: the file or folder named in the error.
    init(
        tensors: CheckpointTensors, component: String, path: String, backend: any Backend,
        expectedKeys: Set<String>, locate: @escaping (String) -> TensorLocator?
    ) {
        self.tensors = tensors
        self.component = component
        self.path = path
        self.backend = backend
        self.expectedKeys = expectedKeys
        self.locate = locate
    }

    func tensor(_ name: String, shape: [Int], isConvolutionKernel: Bool) -> Tensor {
        let isKernel = isConvolutionKernel && shape.count == 4
        let layout = isKernel ? [shape[0], shape[2], shape[3], shape[1]] : shape
        let placeholder = Tensor.meta(layout, dtype: backend.computeDType)
        let locator = locate(name)
        guard let locator, let entry = tensors[locator.key] else {
            let key = locator?.key ?? name
            if reported.insert(key).inserted { problems.missing.append(describe(key, name)) }
            return placeholder
        }
        consumed.insert(locator.key)
        guard locator.parameterShape(stored: entry.shape) == shape else {
            if reported.insert(locator.key).inserted {
                problems.misshapen.append(.init(name: describe(locator.key, name), expected: shape, found: entry.shape))
            }
            return placeholder
        }
        guard let loaded = load(entry, locator: locator, shape: shape) else {
            if reported.insert(locator.key).inserted {
                problems.unreadable.append("\(describe(locator.key, name)) (\(entry.dtype.rawValue))")
            }
            return placeholder
        }
        return isKernel ? backend.permute(loaded, [0, 2, 3, 1]) : loaded
    }

    func finish() throws {
        var found = problems
        found.unused = expectedKeys.subtracting(consumed).sorted()
        guard found.isEmpty else { throw CheckpointError.parameters(component: component, path: path, problems: found) }
    }

    private func describe(_ key: String, _ name: String) -> String { key == name ? key : "\(key) (\(name))" }

    /// The parameter `shape` from the stored tensor, or `nil` for an element type lorad does not read.
    private func load(_ entry: SafeTensorsEntry, locator: TensorLocator, shape: [Int]) -> Tensor? {
        // The stored layout: a transpose is uploaded as stored and permuted on the device.
        let uploadShape = locator.transform == .transpose ? entry.shape : shape
        // A row block is a contiguous run of the stored rows.
        let elements = Tensor.elementCount(of: uploadShape)
        let firstElement: Int
        if case .rowBlock(let index, _) = locator.transform {
            firstElement = index * elements
        } else {
            firstElement = 0
        }

        let tensor: Tensor?
        if let dtype = Self.deviceDType(entry.dtype) {
            let range = (firstElement * dtype.byteSize)..<((firstElement + elements) * dtype.byteSize)
            tensor = try? tensors.withBytes(locator.key) { bytes in
                backend.upload(
                    bytes: UnsafeRawBufferPointer(rebasing: bytes[range]), sourceDType: dtype, shape: uploadShape,
                    dtype: backend.computeDType)
            }
        } else if entry.dtype == .float64, let values = try? tensors.floats(locator.key) {
            // The backends read no F64; the host narrows it (as PyTorch's `.to(float32)` would).
            tensor = backend.upload(Array(values[firstElement..<(firstElement + elements)]), shape: uploadShape)
        } else {
            tensor = nil
        }
        guard let tensor else { return nil }
        return locator.transform == .transpose ? backend.permute(tensor, [1, 0]) : tensor
    }

    private static func deviceDType(_ dtype: SafeTensorsDType) -> DType? {
        switch dtype {
        case .float32: .float32
        case .float16: .float16
        case .bfloat16: .bfloat16
        default: nil
        }
    }
}
