"""CO2 of a run: measured with codecarbon (`emissions`) and estimated the paper's way (`estimate`)."""
