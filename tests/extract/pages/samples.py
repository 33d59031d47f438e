"""Text for the pages the generic candidates' tests write: an article's paragraphs and a list of links."""

STORY = [
    "Thousands gathered in the main square of Almaty on Tuesday, as protests over fuel prices spread west.",
    "Officials said the price cap on liquefied gas would be restored for the next six months, for now.",
    "Internet access was cut across the country late on Wednesday, according to the monitoring group.",
    "By Thursday, the government had resigned, and the president had declared a state of emergency.",
]
TRENDING = "".join(f"<li><a href='/t/{i}'>A trending headline about something else, number {i}</a></li>"
                   for i in range(6))
