package io.elbo.cli;

import io.elbo.vae.Parts;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The registered parts' names for picocli's help ({@code ${COMPLETION-CANDIDATES}}), so help lists what {@link Parts} holds. */
final class PartNames {
    private PartNames() {}

    private static Iterator<String> names(List<? extends Parts.Entry<?>> entries) {
        List<String> out = new ArrayList<>();
        for (Parts.Entry<?> e : entries) out.add(e.usage());
        return out.iterator();
    }

    static final class Likelihoods implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(Parts.LIKELIHOODS);
        }
    }

    static final class Posteriors implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(Parts.POSTERIORS);
        }
    }

    static final class Priors implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(Parts.PRIORS);
        }
    }
}
