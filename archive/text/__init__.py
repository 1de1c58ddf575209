"""Text kernels shared by every domain: normalisation (normalize), the match form and CJK bigrams
that search and classification compare with (analysis), masking of personal numbers (masking)."""
