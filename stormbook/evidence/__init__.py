"""Reading trial evidence: effect sizes and their intervals (`effect_sizes`), pooling and when
not to pool (`pooling`), the anakinra evidence table's views (`views`) and forest plot
(`forest`), and the treatment chapter's helpers and charts (`treatment`, `treatment_charts`)."""
