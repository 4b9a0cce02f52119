"""What every chart shares: the palette, the description and numbers table every figure
carries (`charts`), and the data file a reader downloads with it (`figure_data`)."""
