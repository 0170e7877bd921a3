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

    /// `lorad_jobs{state}`: jobs in each state, counted at each scrape.
    static func jobs(state: String) -> Prometheus.Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "lorad", metricName: "jobs", unitName: "", helpText: "Jobs in each state."),
            labels: [("state", state)])
    }

    /// `lorad_training_steps_total`: optimizer steps taken by every job since the process started.
    static var trainingSteps: Prometheus.Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "lorad", subsystem: "training", metricName: "steps", unitName: "total",
                helpText: "Optimizer steps taken by all jobs."))
    }

    /// `lorad_job_runs_total{outcome}`: worker runs by how they ended (finished, stopped, canceled, failed).
    static func jobRuns(outcome: String) -> Prometheus.Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "lorad", subsystem: "job", metricName: "runs", unitName: "total",
                helpText: "Job runs by how they ended."),
            labels: [("outcome", outcome)])
    }
}
