import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Starts one OpenSearch node for the local stack and keeps it until the process is stopped.
 * The runner's own main picks ports from 9201 up; this pins them and makes the node a single-node cluster.
 * Run without a build step: java -cp 'libs/*' RunNode.java BASE_PATH HTTP_PORT TRANSPORT_PORT
 */
public class RunNode {
    public static void main(String[] args) throws Exception {
        String basePath = args[0];
        String httpPort = args[1];
        String transportPort = args[2];
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1);
        runner.onBuild((number, settings) -> settings
                .put("http.port", httpPort)
                .put("transport.port", transportPort)
                .put("network.host", "127.0.0.1")
                .put("discovery.type", "single-node")
                // The runner's default roles leave out ingest; Vigil's indexing runs an ingest pipeline.
                .putList("node.roles", "cluster_manager", "data", "ingest")
                // A nearly full disk on a shared machine must not turn test indices read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                System.err.println("closing the node failed: " + e);
            }
        }));
        runner.build("-basePath", basePath, "-numOfNode", "1", "-clusterName", "vigil-stack");
        runner.ensureYellow();
        System.out.println("OpenSearch ready on 127.0.0.1:" + httpPort);
        Thread.currentThread().join();
    }
}
