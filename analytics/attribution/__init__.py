"""Multi-touch attribution (spec/analytics.md): per-touch weights computed in SQL (window functions), the
Markov removal effect over aggregated transition counts, and the cent allocation that makes rows add up."""
