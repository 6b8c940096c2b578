//! SHANGRLA: assorters, the overstatement assorter, the ALPHA supermartingale and ONEAudit.
