package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TapeTest {
    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    @Test
    void firstNonFiniteNamesTheOpWhereANaNFirstAppears() {
        Tensor x = Tensor.of(new double[] {1, -1}, 2).variable();
        Tensor y = x.mul(2.0).log().exp().add(1.0); // log(−2) is the first NaN; exp and add inherit it
        assertTrue(!y.allFinite());
        Tape.Entry e = Tape.firstNonFinite();
        assertEquals("log", e.op());
        assertTrue(e.inputs()[0].allFinite(), "its input was finite: log produced the NaN");
        Tape.clear();
        x.mul(2.0).exp();
        assertNull(Tape.firstNonFinite(), "every output finite");
    }

    @Test
    void aValueUsedTwiceGetsBothContributions_bIsAPlusA_cIsBPlusB_givesDcDaFour() {
        Tensor a = Tensor.scalar(-4.0).variable();
        Tensor b = a.add(a);
        Tensor c = b.add(b);
        c.backward();
        assertEquals(4.0, a.grad().item());
    }

    @Test
    void aChainOf100000OpsBackPropagatesWithoutRecursion() {
        Tensor x = Tensor.scalar(1.0).variable();
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) y = y.mul(1.00001);
        assertEquals(100_000, Tape.size());
        y.backward();
        assertEquals(Math.pow(1.00001, 100_000), x.grad().item(), 1e-9);
        assertEquals(0, Tape.size(), "backward consumes the tape");
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = Tensor.of(new double[] {1, 2}).variable();
        x.mul(x).sum().backward();
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray());
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray());
    }

    @Test
    void aNonScalarOutputNeedsAnExplicitSeed() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}).variable();
        Tensor y = x.exp();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("grad can be implicitly created only for scalar outputs"), e.getMessage());
        assertTrue(e.getMessage().contains("[3]"), e.getMessage());
        x.exp().backward(Tensor.of(new double[] {1, 0, 2}));
        assertArrayEquals(new double[] {Math.E, 0, 2 * Math.exp(3)}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void nothingIsRecordedInANoGradScope() {
        Tensor x = Tensor.scalar(2.0).variable();
        Tensor y;
        try (var off = Tape.noGrad()) {
            y = x.mul(x);
        }
        assertFalse(y.requiresGrad());
        assertEquals(0, Tape.size());
        assertTrue(x.mul(x).requiresGrad(), "recording resumes after the scope");
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = Tensor.scalar(3.0).variable();
        Tensor y = x.mul(x).detach().mul(x); // d/dx (c·x) with c = 9 held constant
        y.backward();
        assertEquals(9.0, x.grad().item());
    }

    @Test
    void functionalGradReturnsGradientsForChosenInputsWithoutTouchingOthers() {
        Tensor a = Tensor.scalar(2.0).variable();
        Tensor b = Tensor.scalar(5.0).variable();
        Tensor unused = Tensor.of(new double[] {1, 2}).variable();
        Tensor h = a.mul(b);
        Tensor y = h.mul(a); // a²b
        List<Tensor> g = Tape.grad(y, List.of(a, h, unused), Tape.options());
        assertEquals(2 * 2 * 5, g.get(0).item()); // 2ab
        assertEquals(2, g.get(1).item()); // ∂(h·a)/∂h = a
        assertArrayEquals(new double[] {0, 0}, g.get(2).toDoubleArray());
        assertNull(a.grad());
        assertNull(b.grad());
    }

    @Test
    void backwardTwiceNeedsRetainGraph() {
        Tensor x = Tensor.scalar(2.0).variable();
        Tensor y = x.mul(x);
        Tape.backward(y, Tape.options().retainGraph());
        Tape.backward(y, Tape.options());
        assertEquals(8.0, x.grad().item());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("already consumed"), e.getMessage());
    }

    @Test
    void anOpWithoutADerivativeRuleThrowsNamingTheOpAndInput() {
        Tensor x = Tensor.of(new double[] {1.5, -2}).variable();
        Tensor y = Ops.floor(x).mul(x).sum();
        NoDerivativeException e = assertThrows(NoDerivativeException.class, y::backward);
        assertTrue(e.getMessage().startsWith("floor: no derivative rule for input 0 (shape [2])"), e.getMessage());
    }

    @Test
    void reluHasDerivativeZeroAtZero() {
        Tensor x = Tensor.of(new double[] {-1, 0, 2}).variable();
        x.relu().sum().backward();
        assertArrayEquals(new double[] {0, 0, 1}, x.grad().toDoubleArray());
    }

    @Test
    void absHasDerivativeZeroAtZero() {
        Tensor x = Tensor.of(new double[] {-1, 0, 2}).variable();
        x.abs().sum().backward();
        assertArrayEquals(new double[] {-1, 0, 1}, x.grad().toDoubleArray());
    }

    @Test
    void maxSplitsTheGradientEquallyBetweenTies() {
        Tensor x = Tensor.of(new double[] {3, 1, 3, 3, 2, 0}, 2, 3).variable();
        x.max(false, 1).sum().backward();
        assertArrayEquals(new double[] {0.5, 0, 0.5, 1, 0, 0}, x.grad().toDoubleArray());
        Tensor y = Tensor.of(new double[] {7, 7, 7, 7}).variable();
        y.max(false).backward();
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, y.grad().toDoubleArray());
    }

    @Test
    void secondDerivativeOfTanhMatchesItsClosedForm() {
        for (double v : new double[] {-2, -0.3, 0, 0.7, 3}) {
            Tensor x = Tensor.scalar(v).variable();
            Tensor dy = Tape.grad(x.tanh(), List.of(x), Tape.options().createGraph()).get(0);
            Tensor d2y = Tape.grad(dy, List.of(x)).get(0);
            double t = Math.tanh(v);
            assertEquals(1 - t * t, dy.item(), 1e-15);
            assertEquals(-2 * t * (1 - t * t), d2y.item(), 1e-14, "tanh'' at " + v);
        }
    }

    /**
     * A Hessian-vector product of a small MLP loss, L(W) = ½‖tanh(X·W)·v − y‖², against the closed
     * form assembled by hand (forward-mode differentiation of ∂L/∂W along U, written out below).
     */
    @Test
    void hessianVectorProductOfASmallMlpLossMatchesTheClosedForm() {
        double[][] xd = {{0.5, -1.0, 0.3}, {1.2, 0.4, -0.7}, {-0.2, 0.9, 1.1}, {0.8, -0.5, 0.0}};
        double[] wv = {0.1, -0.4, 0.7, 0.2, -0.3, 0.5};
        double[] ud = {0.3, 0.2, -0.1, 0.6, -0.5, 0.4};
        double[] vd = {1.5, -0.8};
        double[] yd = {0.2, -0.1, 0.4, 0.0};
        Tensor x = Tensor.of(xd);
        Tensor w = Tensor.of(wv, 3, 2).variable();
        Tensor u = Tensor.of(ud, 3, 2);
        Tensor v = Tensor.of(vd, 2, 1);
        Tensor y = Tensor.of(yd, 4, 1);
        Tensor loss = x.matmul(w).tanh().matmul(v).sub(y).square().sum().mul(0.5);
        Tensor g = Tape.grad(loss, List.of(w), Tape.options().createGraph()).get(0);
        Tensor hvp = Tape.grad(g.mul(u).sum(), List.of(w)).get(0);

        // Closed form. Z = XW, H = tanh Z, S = 1 − H², r = Hv − y.
        // G = Xᵀ[(r vᵀ) ⊙ S]. Along U: Ż = XU, Ḣ = S ⊙ Ż, ṙ = Ḣv, Ṡ = −2 H ⊙ Ḣ,
        // Ġ = Xᵀ[(ṙ vᵀ) ⊙ S + (r vᵀ) ⊙ Ṡ].
        int n = 4, d = 3, h = 2;
        double[][] z = new double[n][h], zd = new double[n][h];
        for (int i = 0; i < n; i++) for (int j = 0; j < h; j++) for (int k = 0; k < d; k++) {
            z[i][j] += xd[i][k] * wv[k * h + j];
            zd[i][j] += xd[i][k] * ud[k * h + j];
        }
        double[] r = new double[n], rd = new double[n];
        double[][] hh = new double[n][h], s = new double[n][h], hd = new double[n][h], sd = new double[n][h];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < h; j++) {
                hh[i][j] = Math.tanh(z[i][j]);
                s[i][j] = 1 - hh[i][j] * hh[i][j];
                hd[i][j] = s[i][j] * zd[i][j];
                sd[i][j] = -2 * hh[i][j] * hd[i][j];
                r[i] += hh[i][j] * vd[j];
                rd[i] += hd[i][j] * vd[j];
            }
            r[i] -= yd[i];
        }
        double[] expected = new double[d * h];
        for (int k = 0; k < d; k++) for (int j = 0; j < h; j++) for (int i = 0; i < n; i++) {
            expected[k * h + j] += xd[i][k] * (rd[i] * vd[j] * s[i][j] + r[i] * vd[j] * sd[i][j]);
        }
        assertArrayEquals(expected, hvp.toDoubleArray(), 1e-13);
    }

    @Test
    void broadcastGradientsAreSummedBackToEachInputsShape() {
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).variable();
        Tensor b = Tensor.of(new double[] {10, 20, 30}).variable();
        Tensor c = Tensor.of(new double[] {2, 3}, 2, 1).variable();
        a.add(b).mul(c).sum().backward();
        assertArrayEquals(new double[] {2, 2, 2, 3, 3, 3}, a.grad().toDoubleArray());
        assertArrayEquals(new int[] {3}, b.grad().shape());
        assertArrayEquals(new double[] {5, 5, 5}, b.grad().toDoubleArray());
        assertArrayEquals(new int[] {2, 1}, c.grad().shape());
        assertArrayEquals(new double[] {66, 75}, c.grad().toDoubleArray());
    }

    /**
     * Broadcasting that only adds axes of size 1 ([2, 3] against [1, 2, 3], a flow's parameters against one sample)
     * uses the operand's data as it is and hands its gradient back reshaped, not summed: the values and the
     * gradients are those of the same op on the reshaped operand, to the bit, and stay differentiable twice.
     */
    @Test
    void broadcastingThatOnlyAddsSizeOneAxesIsAReshapeBothWays() {
        double[] av = {0.5, -1.25, 2, 3.5, -0.75, 1.5}, zv = {1.5, 2.25, -3, 0.25, 4, -2.5};
        Tensor a = Tensor.of(av, 2, 3).variable(), z = Tensor.of(zv, 1, 2, 3).variable();
        Tensor y = z.mul(a).add(a.square());
        y.sum().backward();
        Tensor a2 = Tensor.of(av, 1, 2, 3).variable(), z2 = Tensor.of(zv, 1, 2, 3).variable();
        Tensor y2 = z2.mul(a2).add(a2.square());
        y2.sum().backward();
        assertArrayEquals(new int[] {1, 2, 3}, y.shape());
        assertArrayEquals(y2.toDoubleArray(), y.toDoubleArray());
        assertArrayEquals(new int[] {2, 3}, a.grad().shape());
        assertArrayEquals(a2.grad().toDoubleArray(), a.grad().toDoubleArray());
        assertArrayEquals(z2.grad().toDoubleArray(), z.grad().toDoubleArray());
        Tensor e = Ops.expand(Tensor.of(av, 2, 3).variable(), 1, 2, 3);
        assertArrayEquals(new int[] {1, 2, 3}, e.shape());
        assertArrayEquals(av, e.toDoubleArray());
        GradCheck.of("size-1 expand", in -> Ops.expand(in[0], 1, 2, 3).square().sum()).secondOrder(true).check(Tensor.of(av, 2, 3));
        GradCheck.of("size-1 broadcast", in -> in[0].mul(in[1]).add(in[1].square()).mul(in[1]).sum()).secondOrder(true)
                .check(Tensor.of(zv, 1, 2, 3), Tensor.of(av, 2, 3));
    }

    @Test
    void eachLeafGetsAGradientBufferOfItsOwnEvenWhenARulePassesOneArrayToSeveralInputs() {
        Tensor a = Tensor.of(new double[] {1, 2}).variable();
        Tensor b = Tensor.of(new double[] {3, 4}).variable();
        Tensor seed = Tensor.of(new double[] {1, 1});
        a.add(b).backward(seed); // add hands g to both inputs
        InPlace.set(a.grad(), 100, a.grad().get(1));
        assertEquals(1.0, b.grad().get(0), "scaling one leaf's grad in place leaves the other alone");
        assertEquals(1.0, seed.get(0), "nor does it touch the seed");
    }

    @Test
    void leavesWithoutRequiresGradGetNoGradient() {
        Tensor a = Tensor.scalar(2.0);
        Tensor b = Tensor.scalar(3.0).variable();
        a.mul(b).backward();
        assertNull(a.grad());
        assertEquals(2.0, b.grad().item());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.mul(a).backward());
        assertTrue(e.getMessage().contains("does not require a gradient"), e.getMessage());
    }

    @Test
    void requiresGradIsOnlyForLeaves() {
        Tensor y = Tensor.scalar(2.0).variable().exp();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.requiresGrad(true));
        assertTrue(e.getMessage().contains("'exp'"), e.getMessage());
        assertSame(DType.FLOAT64, y.detach().dtype());
    }

    /** Runs {@code body} on a new thread named {@code name} and waits for it, rethrowing what it threw. */
    private static void onThread(String name, Runnable body) throws InterruptedException {
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, name);
        t.start();
        t.join();
        if (thrown[0] instanceof RuntimeException r) throw r;
        if (thrown[0] instanceof Error e) throw e;
    }

    @Test
    void backwardOnAnotherThreadIsRefusedNamingBothThreadsAndLeavesBothTapesIntact() throws InterruptedException {
        // The worker records y = x·x and keeps its tape; the main thread has a tape of its own with one entry.
        Tensor x = Tensor.of(1.0, 2.0, 3.0).variable();
        Tensor[] y = new Tensor[1];
        int[] workerSize = new int[1];
        Tensor mine = Tensor.of(4.0).variable();
        Tensor z = mine.mul(mine).sum();
        int mainSize = Tape.size();
        onThread("worker-1", () -> {
            y[0] = x.mul(x).sum();
            workerSize[0] = Tape.size();
        });
        assertEquals(2, workerSize[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y[0].backward());
        assertEquals("backward: this tensor was recorded on thread 'worker-1' but the backward pass runs on thread '"
                + Thread.currentThread().getName() + "': each thread has its own tape; back-propagate on the thread"
                + " that ran the forward pass", e.getMessage());
        assertNull(x.grad(), "nothing was accumulated");
        assertEquals(mainSize, Tape.size(), "this thread's tape is untouched");
        z.backward();
        assertEquals(8.0, mine.grad().item(), "and its own backward still works");

        // The same from a thread whose tape is empty (it used to end in an IndexOutOfBoundsException).
        onThread("worker-2", () -> {
            IllegalStateException f = assertThrows(IllegalStateException.class, () -> Tape.grad(y[0], x));
            assertTrue(f.getMessage().startsWith("grad: this tensor was recorded on thread 'worker-1' but the backward"
                    + " pass runs on thread 'worker-2'"), f.getMessage());
        });
    }

    @Test
    void aTapeIsPerThreadAndATensorKnowsItsOwn_eachThreadBackPropagatesItsOwnRecord() throws InterruptedException {
        Tensor x = Tensor.of(1.0, 2.0, 3.0).variable();
        Tensor w = Tensor.of(1.0, -1.0, 2.0).variable();
        Tensor mainLoss = x.mul(w).sum();
        double[][] workerGrad = new double[1][];
        onThread("worker-3", () -> {
            Tensor v = Tensor.of(1.0, 2.0, 3.0).variable();
            v.mul(v).mul(v).sum().backward();
            workerGrad[0] = v.grad().toDoubleArray();
            assertEquals(0, Tape.size());
        });
        assertArrayEquals(new double[] {3, 12, 27}, workerGrad[0]);
        assertEquals(2, Tape.size(), "the worker's pass left this thread's tape alone");
        mainLoss.backward();
        assertArrayEquals(new double[] {1, -1, 2}, x.grad().toDoubleArray());
    }

    @Test
    void aPassThatMeetsAnIntermediateRecordedOnAnotherThreadIsRefusedBeforeAnyGradientIsAccumulated() throws InterruptedException {
        Tensor x = Tensor.of(1.0, 2.0).variable();
        Tensor[] h = new Tensor[1];
        onThread("worker-4", () -> h[0] = x.exp());
        Tensor w = Tensor.of(3.0, 4.0).variable();
        Tensor loss = h[0].mul(w).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("recorded on thread 'worker-4'"), e.getMessage());
        assertNull(w.grad(), "no leaf got a partial gradient");
        assertEquals(2, Tape.size(), "the tape was not consumed");
    }

    @Test
    void aRecordedBackwardLeavesDifferentiableLeafGradientsThatAccumulateOnTheTapeAndAPlainOneLeavesConstants() {
        Tensor x = Tensor.of(1.0, -2.0).variable();
        x.pow(3).sum().backward(Tape.options().createGraph());
        assertTrue(x.grad().requiresGrad(), "3x² is itself recorded");
        x.square().sum().backward(Tape.options().createGraph());          // accumulates 2x, recorded too
        assertArrayEquals(new double[] {3 + 2, 12 - 4}, x.grad().toDoubleArray());
        List<Tensor> second = Tape.grad(x.grad().sum(), List.of(x));       // d/dx Σ(3x² + 2x) = 6x + 2
        assertArrayEquals(new double[] {8, -10}, second.get(0).toDoubleArray());
        Tape.clear();
        Tensor y = Tensor.of(1.0, -2.0).variable();
        y.pow(3).sum().backward();
        assertFalse(y.grad().requiresGrad(), "a plain pass leaves a constant");
    }

    @Test
    void aRuleRecordedDirectlyThatIgnoresTheIncomingGradientIsRefusedOnARecordedPassNamingTheOp() {
        double[] ex = Ops.exp(Tensor.of(1.0, 2.0)).toDoubleArray();          // e^x computed elsewhere, as numbers
        Fn f = in -> Tape.record("rawExp", Ops.exp(in[0]).detach(), (g, p) -> p.grads(() -> Tensor.of(ex.clone(), 2)), in[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Functional.jvp(f, Tensor.of(1.0, 2.0), Tensor.of(1.0, 0.0)));
        assertEquals("the derivative rule of 'rawExp' cannot be differentiated again (it is not written with differentiable"
                + " ops: its result does not depend on the incoming gradient): second derivatives, Hessians and forward mode"
                + " (jvp) need a rule built from ops such as mul and div", e.getMessage());
        Tape.clear();
        Fn fine = in -> Tape.record("opsExp", Ops.exp(in[0]).detach(), (g, p) -> p.grads(() -> g.mul(in[0].exp())), in[0]);
        assertArrayEquals(new double[] {Math.E, 0}, Functional.jvp(fine, Tensor.of(1.0, 2.0), Tensor.of(1.0, 0.0)).derivative().toDoubleArray(), 1e-15);
    }
}
