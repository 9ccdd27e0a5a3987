package io.elbo.autodiff;

/**
 * A function of tensors to a tensor, written with differentiable ops: what {@link Functional}
 * transforms and {@link GradCheck} checks. {@code Fn f = x -> x[0].mul(x[1]).sum();}
 */
@FunctionalInterface
public interface Fn {
    /** The function's value at the inputs. */
    Tensor apply(Tensor... inputs);
}
