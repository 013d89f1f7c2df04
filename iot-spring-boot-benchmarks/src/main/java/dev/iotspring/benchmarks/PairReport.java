package dev.iotspring.benchmarks;

import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * Pairs a baseline with what the starter adds on top of it: in one benchmark class, method {@code rawX} (the
 * library used directly) and method {@code starterX} (the same work through the starter), same parameters.
 * Prints both scores and {@code starter / raw} (for throughput, above 1 means the starter is faster).
 */
final class PairReport {

    private PairReport() {
    }

    static void print(Collection<RunResult> results, PrintStream out) {
        Map<String, RunResult> byKey = new LinkedHashMap<>();
        for (RunResult result : results) {
            byKey.put(key(result.getParams()), result);
        }
        boolean header = false;
        for (RunResult raw : results) {
            BenchmarkParams params = raw.getParams();
            String benchmark = params.getBenchmark();
            int dot = benchmark.lastIndexOf('.');
            String method = benchmark.substring(dot + 1);
            if (!method.startsWith("raw")) {
                continue;
            }
            String starterName = benchmark.substring(0, dot + 1) + "starter" + method.substring(3);
            RunResult starter = byKey.get(key(starterName, params));
            if (starter == null) {
                continue;
            }
            if (!header) {
                out.println();
                out.println("Pairs (same run): raw library vs starter, ratio = starter / raw");
                header = true;
            }
            Result<?> r = raw.getPrimaryResult();
            Result<?> s = starter.getPrimaryResult();
            String name = benchmark.substring(benchmark.lastIndexOf('.', dot - 1) + 1, dot) + "." + method.substring(3);
            out.printf(Locale.ROOT, "%-40s %-22s raw %12.1f ± %8.1f   starter %12.1f ± %8.1f %s   ratio %.2f%n", name,
                    paramText(params), r.getScore(), r.getScoreError(), s.getScore(), s.getScoreError(),
                    r.getScoreUnit(), s.getScore() / r.getScore());
        }
        printAlternating(results, out);
    }

    /**
     * Benchmarks that run both sides in turns and time each ({@code rawNanos}, {@code starterNanos} auxiliary
     * counters): the ratio of one run under the same load, per iteration and overall.
     */
    private static void printAlternating(Collection<RunResult> results, PrintStream out) {
        boolean header = false;
        for (RunResult result : results) {
            Map<String, Result> secondary = result.getSecondaryResults();
            Result<?> raw = secondary.get("rawNanos");
            Result<?> starter = secondary.get("starterNanos");
            if (raw == null || starter == null) {
                continue;
            }
            if (!header) {
                out.println();
                out.println("Alternating (both sides in turns, same load): ratio = raw time / starter time = starter / raw "
                        + "throughput");
                header = true;
            }
            StringBuilder perIteration = new StringBuilder();
            for (BenchmarkResult b : result.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    Result<?> r = i.getSecondaryResults().get("rawNanos");
                    Result<?> s = i.getSecondaryResults().get("starterNanos");
                    if (r != null && s != null && s.getScore() > 0) {
                        perIteration.append(String.format(Locale.ROOT, " %.2f", r.getScore() / s.getScore()));
                    }
                }
            }
            String benchmark = result.getParams().getBenchmark();
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            out.printf(Locale.ROOT, "%-40s %-22s ratio %.2f   per iteration:%s%n", name, paramText(result.getParams()),
                    raw.getScore() / starter.getScore(), perIteration);
            Result<?> rawCpu = secondary.get("rawCpuNanos");
            Result<?> starterCpu = secondary.get("starterCpuNanos");
            if (rawCpu != null && starterCpu != null && starterCpu.getScore() > 0) {
                out.printf(Locale.ROOT, "%-40s %-22s CPU of the process: raw / starter %.2f%n", "", "",
                        rawCpu.getScore() / starterCpu.getScore());
            }
            Result<?> commit = secondary.get("commitNanos");
            Result<?> commitCpu = secondary.get("commitCpuNanos");
            if (commit != null && commitCpu != null && commit.getScore() > 0) {
                // Publishing plus one commit per message, done one after the other: the ceiling of a durable send.
                out.printf(Locale.ROOT, "%-40s %-22s bound with a commit per message: raw / (raw + commits) %.2f, "
                        + "CPU %.2f%n", "", "", raw.getScore() / (raw.getScore() + commit.getScore()),
                        rawCpu.getScore() / (rawCpu.getScore() + commitCpu.getScore()));
            }
        }
    }

    private static String key(BenchmarkParams params) {
        return key(params.getBenchmark(), params);
    }

    private static String key(String benchmark, BenchmarkParams params) {
        return benchmark + "|" + paramText(params);
    }

    private static String paramText(BenchmarkParams params) {
        StringBuilder sb = new StringBuilder();
        for (String p : params.getParamsKeys()) {
            sb.append(sb.length() == 0 ? "" : ",").append(p).append('=').append(params.getParam(p));
        }
        return sb.toString();
    }
}
