package io.lxcfs.daemon.app;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The HTTP side without a mount: health must say DOWN (nothing can be read), metrics and admin work. */
@QuarkusTest
class DaemonEndpointsTest {

    @Test
    void healthIsDownWithoutAReadableMount() {
        given().get("/q/health/ready").then().statusCode(503)
                .body(containsString("\"DOWN\""), containsString("not mounted"));
        given().get("/q/health/live").then().statusCode(503);
    }

    @Test
    void metricsExposeTheViewSeries() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("lxcfs_reads_total"), containsString("lxcfs_containers_tracked"),
                        containsString("lxcfs_loadavg_sample_seconds"));
    }

    @Test
    void passthroughCanBeSwitchedAndRejectsNonsense() {
        given().body("true").put("/admin/passthrough").then().statusCode(200).body(equalTo("true\n"));
        given().get("/admin/passthrough").then().statusCode(200).body(equalTo("true\n"));
        given().body("false").put("/admin/passthrough").then().statusCode(200).body(equalTo("false\n"));
        given().body("yes please").put("/admin/passthrough").then().statusCode(400)
                .body(containsString("true or false"));
    }
}
