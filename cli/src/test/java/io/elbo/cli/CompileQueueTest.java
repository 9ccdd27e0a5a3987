package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The warm-up's view of the JIT: the compile queue's report read right, and the call count read from the JVM's flags. */
class CompileQueueTest {
    /** Reports as JDK 17 and 25 print them ({@code jcmd PID Compiler.queue}), busy and idle. */
    @Test
    void aReportIsIdleOnlyWhenNothingIsCompilingOrQueued() {
        String compiling = "Current compiles: \nC2 CompilerThread0  1166   !   4       com.sun.tools.javac.jvm.ClassReader::classSigToType (497 bytes)\n\n"
                + "C1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n\n";
        String queued = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\n"
                + "1820       4       jdk.internal.util.xml.impl.Parser::bqstr (462 bytes)\n\n";
        String idle = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n\n";
        assertFalse(CompileQueue.isIdle(compiling));
        assertFalse(CompileQueue.isIdle(queued));
        assertTrue(CompileQueue.isIdle(idle));
    }

    /** On HotSpot the queue is readable, and when the JVM has nothing to run it empties (60 s is far more than it takes). */
    @Test
    void theQueueOfThisJvmIsReadableAndEmpties() {
        CompileQueue q = CompileQueue.open();
        assertNotNull(q, "HotSpot's Compiler.queue diagnostic command could not be read");
        assertTrue(q.report().contains("compile queue"), q.report());
        assertTrue(q.awaitIdle(System.nanoTime() + 60_000_000_000L), q.report());
    }

    /** The warm-up's call count: HotSpot's Tier4MinInvocationThreshold × CompileThresholdScaling plus a tenth, within [1, 5000]. */
    @Test
    void theWarmUpCallsAreTheJvmsC2ThresholdPlusATenth() {
        assertEquals(660, Warmup.calls(600, 1));
        assertEquals(66, Warmup.calls(600, 0.1));
        assertEquals(1, Warmup.calls(600, 0));
        assertEquals(5000, Warmup.calls(600, 100));
        var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        assertEquals(Warmup.calls(Double.parseDouble(vm.getVMOption("Tier4MinInvocationThreshold").getValue()),
                Double.parseDouble(vm.getVMOption("CompileThresholdScaling").getValue())), Warmup.calls());
    }
}
