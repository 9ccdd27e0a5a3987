package io.elbo.spark;

import org.apache.spark.sql.SparkSession;

/** One Spark session per JVM at a time (Spark allows one context): switching masters stops the previous one. */
final class LocalSpark {
    private LocalSpark() {}

    private static SparkSession session;
    private static String master;

    static synchronized SparkSession session(String wanted) {
        if (session != null && wanted.equals(master)) return session;
        if (session != null) session.stop();
        session = SparkSession.builder().master(wanted).appName("elbo-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        session.sparkContext().setLogLevel("ERROR");
        master = wanted;
        return session;
    }
}
