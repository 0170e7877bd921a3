import Diffusion
import LoRA
import Tensors

/// The trainable weights of a LoRA network as the optimizer sees them: host copies of every module's `down` and
/// `up`, grouped as kohya groups them for learning rates (the UNet, each text encoder). The modules hold device
/// tensors made from these after every optimizer step.
final class AdapterParameters {
    let network: LoRANetwork
    let groups: [ParameterGroup]
    /// For each module of the network, its down and up parameters.
    private let pairs: [(down: TrainableParameter, up: TrainableParameter)]

    /// `learningRates` by component; a component without one is frozen.
    init(network: LoRANetwork, learningRates: [ModelComponent: Double], backend: any Backend) {
        self.network = network
        var pairs: [(down: TrainableParameter, up: TrainableParameter)] = []
        var byComponent: [ModelComponent: [TrainableParameter]] = [:]
        for entry in network.entries {
            let module = entry.module
            let down = TrainableParameter(
                name: "\(entry.spec.component.rawValue).\(module.path).down", shape: module.down.shape,
                value: backend.download(module.down))
            let up = TrainableParameter(
                name: "\(entry.spec.component.rawValue).\(module.path).up", shape: module.up.shape,
                value: backend.download(module.up))
            pairs.append((down, up))
            byComponent[entry.spec.component, default: []] += [down, up]
        }
        self.pairs = pairs
        groups = ModelComponent.allCases.sorted().compactMap { component in
            guard let parameters = byComponent[component], let rate = learningRates[component] else { return nil }
            return ParameterGroup(name: component.rawValue, parameters: parameters, learningRate: rate)
        }
    }

    /// Uploads the host values into the modules and marks them trainable on `tape`.
    func upload(to tape: GradientTape) {
        tape.removeParameters()
        let trained = Set(groups.flatMap { $0.parameters.map(\.name) })
        for (entry, pair) in zip(network.entries, pairs) {
            entry.module.down = tape.upload(pair.down.value, shape: pair.down.shape)
            entry.module.up = tape.upload(pair.up.value, shape: pair.up.shape)
            if trained.contains(pair.down.name) {
                tape.parameter(entry.module.down)
                tape.parameter(entry.module.up)
            }
        }
    }

    /// Copies the tape's accumulated gradients to the host parameters, clears them, and returns the groups with
    /// only the parameters that received one: as PyTorch's optimizers skip a parameter whose gradient is `None`
    /// (a module outside the graph, like the last text encoder layer under clip skip), so must ours, decay included.
    func collectGradients(from tape: GradientTape) -> [ParameterGroup] {
        var received = Set<String>()
        for (entry, pair) in zip(network.entries, pairs) {
            for (tensor, parameter) in [(entry.module.down, pair.down), (entry.module.up, pair.up)] {
                guard let gradient = tape.gradient(of: tensor) else { continue }
                parameter.gradient = tape.download(gradient)
                received.insert(parameter.name)
            }
        }
        tape.clearGradients()
        return groups.map { group in
            var stepped = group
            stepped.parameters = group.parameters.filter { received.contains($0.name) }
            return stepped
        }
    }

    /// Every module's host weights, in network order.
    var hostWeights: [(down: [Float], up: [Float])] { pairs.map { ($0.down.value, $0.up.value) } }

    /// Values and shapes by parameter name, for the resume state.
    var values: [String: [Float]] {
        Dictionary(uniqueKeysWithValues: pairs.flatMap { [($0.down.name, $0.down.value), ($0.up.name, $0.up.value)] })
    }
    var shapes: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: pairs.flatMap { [($0.down.name, $0.down.shape), ($0.up.name, $0.up.shape)] })
    }

    /// Sets every parameter from a resume state, which must name exactly these parameters with their sizes.
    func setValues(_ saved: [String: [Float]]) throws {
        let parameters = pairs.flatMap { [$0.down, $0.up] }
        let expected = Set(parameters.map(\.name))
        guard Set(saved.keys) == expected else {
            let missing = expected.subtracting(saved.keys).sorted().prefix(3)
            let extra = Set(saved.keys).subtracting(expected).sorted().prefix(3)
            throw ResumeError.mismatch("different LoRA modules (missing \(missing), unexpected \(extra))")
        }
        for parameter in parameters {
            guard let values = saved[parameter.name], values.count == parameter.value.count else {
                throw ResumeError.mismatch("\(parameter.name) has another size (network_dim or conv_dim changed?)")
            }
            parameter.value = values
        }
    }
}
