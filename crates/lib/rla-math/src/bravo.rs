//! Ballot-polling BRAVO (Lindeman, Stark & Yates 2012) as Arlo computes it: test statistic, p-value, ASN and quantile sample sizes.
