def render_aging_xlsx(report):
    raise NotImplementedError
