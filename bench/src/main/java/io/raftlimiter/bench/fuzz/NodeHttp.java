package io.raftlimiter.bench.fuzz;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A plaintext node's HTTP listener, as {@code D/http-endpoints} names it. */
record NodeHttp(String hostPort) {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** The first node's listener in the cluster directory {@code clusterDir}. */
  static NodeHttp firstOf(Path clusterDir) throws IOException {
    String line = Files.readAllLines(clusterDir.resolve("http-endpoints")).get(0);
    return new NodeHttp(line.split("\\s+")[1]);
  }

  boolean healthy() throws InterruptedException {
    try {
      return get("/healthz").statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** The value of an unlabelled series on {@code /metrics}; 0 when it is not there. */
  double metric(String series) throws IOException, InterruptedException {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
