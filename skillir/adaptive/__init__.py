"""Adaptive recompilation: runtime evidence corrects the profile, the affected parts of the
skill are recompiled, and a variant is kept only when held-out tasks say it is better."""
