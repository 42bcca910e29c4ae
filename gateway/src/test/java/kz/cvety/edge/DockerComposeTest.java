package kz.cvety.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import kz.cvety.otp.testing.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compose file and the Grafana provisioning, parsed as Docker Compose and Grafana would read them (no Docker
 * engine runs here): the Redis image tests pin, and the trace backend of the monitoring profile wired to the
 * gateway, Prometheus and Grafana.
 */
class DockerComposeTest {

	static final Path ROOT = Path.of("..");

	@Test
	void composeRunsTheRedisImageTestsPin() throws IOException {
		String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
		assertThat(compose).contains("image: " + TestRedis.IMAGE + "\n");
	}

	@Test
	void theMonitoringProfileRunsATraceBackendTheGatewayCanExportTo() throws IOException {
		Map<String, Object> services = map(yaml("docker-compose.yml").get("services"));
		Map<String, Object> jaeger = map(services.get("jaeger"));
		assertThat(jaeger.get("profiles")).isEqualTo(List.of("monitoring"));
		assertThat((String) jaeger.get("image")).matches("jaegertracing/jaeger:\\d+\\.\\d+\\.\\d+");
		assertThat(jaeger.get("ports")).isEqualTo(List.of("127.0.0.1:16686:16686"));

		Map<String, Object> environment = map(map(services.get("gateway")).get("environment"));
		// Passed through only when set: an empty value would switch the exporter on with no endpoint.
		assertThat(environment).containsEntry("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT", null);
		assertThat(Files.readString(ROOT.resolve("docker-compose.yml")))
			.contains("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT=http://jaeger:4318/v1/traces");

		assertThat(list(map(services.get("prometheus")).get("command"))).contains("--enable-feature=exemplar-storage");
		assertThat(list(map(services.get("grafana")).get("depends_on"))).contains("jaeger");
	}

	@Test
	void grafanaReadsTracesFromJaegerAndLinksExemplarsToThem() throws IOException {
		List<Object> sources = list(yaml("config/monitoring/grafana/provisioning/datasources/prometheus.yml").get("datasources"));
		Map<String, Object> jaeger = sources.stream().map(DockerComposeTest::map)
			.filter(source -> "jaeger".equals(source.get("uid"))).findFirst().orElseThrow();
		assertThat(jaeger).containsEntry("type", "jaeger").containsEntry("url", "http://jaeger:16686");
		Map<String, Object> prometheus = sources.stream().map(DockerComposeTest::map)
			.filter(source -> "prometheus".equals(source.get("uid"))).findFirst().orElseThrow();
		assertThat(list(map(prometheus.get("jsonData")).get("exemplarTraceIdDestinations")))
			.containsExactly(Map.of("name", "trace_id", "datasourceUid", "jaeger"));

		JsonNode dashboard = JsonMapper.builder().build()
			.readTree(Files.readString(ROOT.resolve("config/monitoring/grafana/dashboards/cvety-edge.json")));
		for (String metric : List.of("cvety_otp_redis_step_seconds_bucket", "cvety_otp_sms_send_seconds_bucket")) {
			List<JsonNode> targets = dashboard.get("panels").valueStream()
				.flatMap(panel -> (panel.has("targets") ? panel.get("targets").valueStream() : Stream.<JsonNode>empty()))
				.filter(target -> target.path("expr").asString("").contains(metric))
				.toList();
			assertThat(targets).as(metric).isNotEmpty().allMatch(target -> target.path("exemplar").asBoolean(false));
		}
	}

	private static Map<String, Object> yaml(String path) throws IOException {
		return new Yaml().load(Files.readString(ROOT.resolve(path)));
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object value) {
		return (List<Object>) value;
	}

}
