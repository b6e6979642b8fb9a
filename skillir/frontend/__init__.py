"""The SKILL.md level: from bytes to `skill` IR and back."""
