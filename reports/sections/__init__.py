"""The sections of the monthly meeting report (図表7-1), one builder per section.

Each builder reads one month through other apps' selectors and returns a
``reports.sections.base.Section``; the renderers (xlsx, PDF) know nothing of the sources.
"""
