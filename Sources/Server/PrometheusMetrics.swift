import Metrics
import Prometheus

/// The process's one Prometheus registry, behind the swift-metrics API.
///
/// `MetricsSystem.bootstrap` may run only once per process, and tests build many applications: a `static let`
/// is initialised exactly once, on first use, whichever thread gets there first.
enum PrometheusMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
