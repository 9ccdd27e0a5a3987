package io.elbo.nn;

import io.elbo.autodiff.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A building block of networks: it owns named parameters and named child modules, in the order
 * they were registered, and maps an input tensor to an output tensor. Parameter names are
 * dotted paths ("0.weight", "encoder.2.bias"), stable across runs, as in PyTorch's
 * {@code named_parameters()}; checkpoints use them.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** The forward pass. */
    public abstract Tensor forward(Tensor input);

    /** Makes a leaf holding {@code initial} a parameter of this module under {@code name} (no dot) and returns it. */
    protected final Parameter registerParameter(String name, Tensor initial) {
        checkName(name);
        Parameter p = new Parameter(initial);
        parameters.put(name, p);
        return p;
    }

    /** Makes {@code child} a child of this module under {@code name} (no dot), its parameters named {@code name.*}, and returns it. */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    /**
     * Makes a part's parameters and children this module's own, under the part's names (no prefix): a
     * part of a model (a likelihood's σ, a posterior's heads) keeps the names a model without parts had.
     */
    protected final <M extends Module> M include(M part) {
        Module m = part;
        m.parameters.forEach((name, p) -> {
            checkName(name);
            parameters.put(name, p);
        });
        m.children.forEach(this::registerModule);
        return part;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("Module: invalid name '" + name + "'");
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("Module: name '" + name + "' registered twice");
        }
    }

    /** Every parameter of this module and its descendants, by dotted name, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", out));
    }

    /** The parameters in {@link #namedParameters()} order. */
    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** The direct children, by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** The number of trainable scalars. */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    /** Forgets the gradient of every parameter (the next backward pass starts from zero). */
    public final void zeroGrad() {
        for (Parameter p : namedParameters().values()) p.zeroGrad();
    }
}
