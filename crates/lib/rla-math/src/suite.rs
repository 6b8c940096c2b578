//! SUITE hybrid audits (Ottoboni, Stark, Lindeman & McBurnett 2018) as Arlo computes them: stratified comparison and polling combined with Fisher's method.
