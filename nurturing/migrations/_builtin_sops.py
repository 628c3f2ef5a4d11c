"""The five built-in SOPs of spec/nurturing.md and their emails, as data for migration 0005.

Frozen with the migration (the loader ignores modules starting with "_"): later changes to the shipped
SOPs go in a new migration, and a marketer's edits to the rows are never overwritten (rows are created only
when their slug is missing). Email bodies are Django template text for plain-text mail; every marketing
email ends with its unsubscribe link.
"""

from __future__ import annotations

from typing import Any

CORE_INDUSTRIES = ["制造业", "化工", "医疗器械", "汽车零部件"]
EXECUTIVE_TITLES = ["总经理", "CEO", "副总裁", "CIO", "市场总监", "销售总监", "数字化负责人"]
WORKDAYS = {"weekdays": [0, 1, 2, 3, 4], "from_hour": 9, "to_hour": 18}
ENGAGED_KINDS = ["page_view", "form_submit", "content_download", "webinar_register", "webinar_attend",
                 "email_click", "email_reply", "demo_request", "trial_signup", "chat", "wecom_message"]
HOT_BEHAVIOUR = {"any": [
    {"event": {"kind": ["demo_request", "trial_signup"], "within_days": 2}},
    {"event": {"kind": ENGAGED_KINDS, "within_days": 2, "count_gte": 3}},
    {"field": "engagement_score", "op": "gte", "value": 60},
]}

ZH_FOOTER = "\n\n—— {{ sender_name }}\n不想再收到此类邮件？一键退订：{{ unsubscribe_url }}"
EN_FOOTER = "\n\n— {{ sender_name }}\nNot useful? Unsubscribe in one click: {{ unsubscribe_url }}"


def _t(slug: str, name: str, zh: tuple[str, str], en: tuple[str, str]) -> dict[str, Any]:
    return {"slug": slug, "name": name, "translations": {
        "zh-hans": {"subject": zh[0], "body": zh[1] + ZH_FOOTER},
        "en": {"subject": en[0], "body": en[1] + EN_FOOTER},
    }}


TEMPLATES: list[dict[str, Any]] = [
    # --- 1. golden 48 hours ---------------------------------------------------------------------------
    _t("golden-welcome", "Golden 48h · welcome", (
        "{{ first_name }}，欢迎！这三份资料能帮您少走弯路",
        "{{ first_name }}您好：\n\n感谢您关注我们。很多 B2B 团队第一次来找我们时，都卡在同一个问题上："
        "市场部交来的线索，销售说质量不行；销售跟进的结果，市场部又看不到。\n\n"
        "我们整理了三份最常被索取的资料，供您按需取用：\n"
        "1.《B2B 线索分级与 MQL 标准模板》——直接可改的评分表；\n"
        "2.《市场与销售 SLA 协议范本》——48 小时首触、24 小时接收的约定写法；\n"
        "3.《同行案例：一家制造企业如何把线索转化率提升 2 倍》。\n\n"
        "回复这封邮件告诉我您当前最头疼的环节，我会请熟悉{{ industry|default:'您所在行业' }}的顾问给您具体建议。",
    ), (
        "Welcome, {{ first_name }} — three resources to start with",
        "Hi {{ first_name }},\n\nThanks for getting in touch. Most B2B teams who come to us are stuck on the "
        "same problem: sales says marketing's leads are poor, and marketing never sees what sales did with "
        "them.\n\nHere are the three resources people ask us for most:\n"
        "1. A lead grading and MQL definition template you can edit today;\n"
        "2. A marketing-sales SLA agreement (48-hour first touch, 24-hour acceptance);\n"
        "3. Case study: how a manufacturer doubled lead-to-opportunity conversion.\n\n"
        "Reply and tell me where your funnel hurts most; I will ask a consultant who knows "
        "{{ industry|default:'your industry' }} to send you concrete advice.",
    )),
    # --- 2. demand mining, days 0-28 ------------------------------------------------------------------------
    _t("dm-1-pain", "Demand mining · day 0 · where leads leak", (
        "线索都去哪儿了？B2B 漏斗最常见的 4 个漏点",
        "{{ first_name }}您好：\n\n我们复盘了 200 多家 B2B 企业的线索数据，漏损最集中的是这四处：\n"
        "· 新线索超过 48 小时才首次联系，接通率下降一半以上；\n"
        "· MQL 标准口头约定，市场与销售各算各的；\n"
        "· 销售退回的线索没有原因，市场无法改进投放；\n"
        "· 沉默线索无人培育，半年后被竞品签走。\n\n"
        "您可以用这份 10 分钟自查表给自己的漏斗打个分：先找到最大的漏点，再决定要不要上工具。",
    ), (
        "Where do your leads go? The 4 most common B2B funnel leaks",
        "Hi {{ first_name }},\n\nWe reviewed the lead data of 200+ B2B companies. Most of the loss happens in "
        "four places:\n- new leads first contacted after 48 hours, when connect rates have halved;\n"
        "- an MQL definition that lives in people's heads, so marketing and sales count differently;\n"
        "- leads returned by sales without a reason, so marketing cannot fix its spend;\n"
        "- silent leads nobody nurtures, signed by a competitor six months later.\n\n"
        "Score your own funnel with our 10-minute checklist: find the biggest leak first, then decide whether "
        "a tool is the answer.",
    )),
    _t("dm-1-manufacturing", "Demand mining · day 0 · manufacturing", (
        "制造企业的线索为什么总是“看着多、签得少”？",
        "{{ first_name }}您好：\n\n制造业的询盘周期长、决策人多：一个设备项目从技术询价到采购立项，常常要 3-9 个月，"
        "中间换过两三位对接人。线索如果只在展会后打一轮电话，九成会在这段时间里流失。\n\n"
        "我们总结了制造企业常用的做法：按产品线和采购阶段给线索分级，技术资料下载自动提醒销售，"
        "沉默 30 天的询盘自动推送案例和参数对比。附件是一家精密制造企业的完整流程图，可直接参考。",
    ), (
        "Why do manufacturers get many enquiries but sign few?",
        "Hi {{ first_name }},\n\nIn manufacturing, an equipment project takes 3 to 9 months from a technical "
        "enquiry to a purchase order, with two or three contacts along the way. If a lead only gets one round "
        "of calls after a trade show, nine in ten are lost in that time.\n\n"
        "What works for manufacturers: grade leads by product line and buying stage, alert sales when a "
        "technical datasheet is downloaded, and send case studies and spec comparisons to enquiries silent "
        "for 30 days. Attached is the full process map of a precision manufacturer you can copy.",
    )),
    _t("dm-2-case", "Demand mining · day 2 · case study", (
        "案例：从 3% 到 7.5%，他们只改了三件事",
        "{{ first_name }}您好：\n\n一家年营收 5 亿的工业软件公司，去年线索到商机的转化率只有 3%。"
        "他们没有多花一分钱投放，只做了三件事：\n"
        "1. 统一 MQL 标准：BANT 满足两项才交给销售；\n"
        "2. 给销售 24 小时接收时限，超时自动提醒主管；\n"
        "3. 被退回的线索进入长期培育，而不是删掉。\n\n"
        "六个月后转化率到了 7.5%，销售跟进量反而下降了 30%。完整案例（含他们的评分表）在这里，欢迎转给同事。",
    ), (
        "Case study: from 3% to 7.5% by changing three things",
        "Hi {{ first_name }},\n\nAn industrial software company with CNY 500m revenue converted 3% of leads "
        "into opportunities last year. Without spending more on ads, they changed three things:\n"
        "1. one MQL definition: two BANT points before a lead goes to sales;\n"
        "2. a 24-hour acceptance deadline for sales, with a reminder to the manager;\n"
        "3. returned leads go into long-term nurture instead of the bin.\n\n"
        "Six months later conversion was 7.5%, and sales spent 30% less time on follow-ups. The full case, "
        "with their scoring sheet, is here; feel free to forward it to a colleague.",
    )),
    _t("dm-3-roi", "Demand mining · day 5 · ROI calculator", (
        "算一笔账：每条线索晚联系一天，损失多少？",
        "{{ first_name }}您好：\n\n输入三个数字——每月新线索数、平均客单价、当前成交率——"
        "我们的 ROI 计算器会告诉您：首触时间从 3 天缩短到 48 小时、沉默线索被重新激活 10%，各值多少钱。\n\n"
        "多数企业算完发现，漏掉的商机比一年的工具费用高出一个数量级。"
        "如果您愿意，我们的顾问可以用您的真实数据陪您算一遍（约 20 分钟）。",
    ), (
        "What does a day's delay on each lead cost you?",
        "Hi {{ first_name }},\n\nEnter three numbers — new leads per month, average deal size, current win "
        "rate — and our ROI calculator shows what it is worth to cut first contact from 3 days to 48 hours and "
        "to win back 10% of silent leads.\n\nMost teams find the missed pipeline is ten times the yearly cost "
        "of a tool. If you like, a consultant can run it with your real figures (about 20 minutes).",
    )),
    _t("dm-4-checklist", "Demand mining · day 9 · SLA checklist", (
        "市场与销售的 SLA，怎么定才不会变成一纸空文？",
        "{{ first_name }}您好：\n\n很多团队都签过 SLA，但三个月后就没人看了。能长期执行的 SLA 通常有四个特征：\n"
        "· 时限按工作日计算，节假日和调休自动顺延；\n"
        "· 超时会通知到人和主管，而不是只在月报里出现；\n"
        "· 退回必须填写原因，原因会回流给市场；\n"
        "· 每月公布达成率，和分配额度挂钩。\n\n"
        "这份检查清单可以帮您逐条对照，找出现有流程缺的那一环。",
    ), (
        "How to set a marketing-sales SLA that survives the quarter",
        "Hi {{ first_name }},\n\nMany teams sign an SLA and stop looking at it after three months. The ones that "
        "last share four traits:\n- deadlines count business days, with holidays and make-up days handled;\n"
        "- a breach notifies the owner and the manager, not just a monthly report;\n"
        "- a returned lead needs a reason, and the reason goes back to marketing;\n"
        "- compliance is published monthly and tied to lead allocation.\n\n"
        "Use this checklist to find the missing piece in your current process.",
    )),
    _t("dm-5-benchmark", "Demand mining · day 14 · benchmark", (
        "同行基准：{{ industry|default:'B2B' }}企业的线索转化率是多少？",
        "{{ first_name }}您好：\n\n我们汇总了今年的匿名基准数据，供您参考：\n"
        "· 线索 → MQL：中位数 18%，前 25% 企业 30% 以上；\n"
        "· MQL → SQL：中位数 35%；\n"
        "· 首次联系时间：前 25% 企业在 4 个工作小时内完成。\n\n"
        "想知道您的团队处在什么位置？回复“基准”，我们会发给您完整报告，并附上按行业拆分的数据。",
    ), (
        "Benchmark: how do {{ industry|default:'B2B' }} companies convert leads?",
        "Hi {{ first_name }},\n\nThis year's anonymous benchmark, for reference:\n"
        "- lead to MQL: median 18%, top quartile above 30%;\n- MQL to SQL: median 35%;\n"
        "- first contact: the top quartile within 4 business hours.\n\n"
        "Want to know where your team stands? Reply \"benchmark\" and we will send the full report with the "
        "figures by industry.",
    )),
    _t("dm-6-plan", "Demand mining · day 21 · rollout plan", (
        "一份可以直接用的 30 天落地计划",
        "{{ first_name }}您好：\n\n如果您在考虑明年梳理线索流程，这份 30 天计划可以作为起点：\n"
        "第 1 周：盘点线索来源，统一字段和去重规则；\n第 2 周：定义 MQL 标准和评分模型；\n"
        "第 3 周：上线分配规则和 SLA 时钟；\n第 4 周：为沉默线索和退回线索配置培育 SOP。\n\n"
        "每一步都附了模板和常见坑。需要的话，我们可以帮您按贵司的实际情况调整。",
    ), (
        "A 30-day rollout plan you can use as is",
        "Hi {{ first_name }},\n\nIf you are planning to fix your lead process next year, this 30-day plan is a "
        "starting point:\nWeek 1: list lead sources, agree on fields and dedup rules;\n"
        "Week 2: define the MQL standard and the scoring model;\nWeek 3: switch on assignment rules and SLA "
        "clocks;\nWeek 4: set up nurture SOPs for silent and returned leads.\n\n"
        "Each step comes with templates and the usual pitfalls. We are happy to adapt it to your situation.",
    )),
    _t("dm-7-talk", "Demand mining · day 28 · let's talk", (
        "{{ first_name }}，要不要花 20 分钟聊聊？",
        "{{ first_name }}您好：\n\n过去一个月我们分享了漏斗漏点、SLA 和落地计划。"
        "如果其中有一项正好是您在推进的事，我们很乐意安排一次 20 分钟的交流：不做产品演示，只针对您的流程给建议。\n\n"
        "直接回复这封邮件，写下您方便的时间即可。如果现在时机不合适，也没关系，我们之后会偶尔分享有价值的内容。",
    ), (
        "{{ first_name }}, worth a 20-minute call?",
        "Hi {{ first_name }},\n\nOver the past month we shared funnel leaks, SLAs and a rollout plan. If one of "
        "them is on your agenda, we would be glad to spend 20 minutes on your process: no product demo, just "
        "advice.\n\nReply with a time that suits you. If the timing is wrong, no problem: we will only share "
        "something useful now and then.",
    )),
    # --- 3. trial drip, days 1-8 ---------------------------------------------------------------------------
    _t("trial-1-welcome", "Trial · day 1 · welcome", (
        "试用已开通：今天只需完成一件事",
        "{{ first_name }}您好：\n\n您的试用账号已经开通。第一天只建议做一件事：导入最近 3 个月的线索"
        "（Excel 或 CSV 均可，系统会自动去重并识别公司）。\n\n"
        "导入后，您马上能看到线索按来源、阶段的分布。遇到任何问题，直接回复这封邮件，试用期内有专属顾问答复。",
    ), (
        "Your trial is open: one thing to do today",
        "Hi {{ first_name }},\n\nYour trial account is ready. On day one we suggest one thing only: import your "
        "leads from the last 3 months (Excel or CSV; duplicates are merged and companies recognised).\n\n"
        "You will see your leads by source and stage straight away. Questions? Reply to this email: a "
        "consultant answers during your trial.",
    )),
    _t("trial-2-setup", "Trial · day 2 · setup", (
        "第 2 天：10 分钟完成基础设置",
        "{{ first_name }}您好：\n\n今天花 10 分钟完成三项设置，后面的功能才能发挥作用：\n"
        "1. 邀请一位销售同事加入；\n2. 设置线索分配规则（按区域或行业）；\n3. 在官网表单中加入采集代码。\n\n"
        "每一项都有 2 分钟的视频指引，在“设置向导”里可以找到。",
    ), (
        "Day 2: the basic setup in 10 minutes",
        "Hi {{ first_name }},\n\nThree settings today make everything else work:\n"
        "1. invite a sales colleague;\n2. set an assignment rule (by region or industry);\n"
        "3. add the capture snippet to your website forms.\n\nEach has a 2-minute video in the setup guide.",
    )),
    _t("trial-3-feature", "Trial · day 3 · scoring solves prioritisation", (
        "第 3 天：线索评分，解决“先打给谁”",
        "{{ first_name }}您好：\n\n销售每天面对几十条新线索，最常问的是“先打给谁”。线索评分把两件事分开算："
        "这家公司是否符合您的目标客户画像（匹配度），以及这个人最近有多活跃（活跃度）。\n\n"
        "今天试试：打开任意一条线索，看评分旁的解释，每一分从哪来都写得清清楚楚。",
    ), (
        "Day 3: scoring answers 'who do I call first?'",
        "Hi {{ first_name }},\n\nSales reps facing dozens of new leads a day ask one question: who first? "
        "Scoring answers it with two numbers: how well the company fits your ideal customer, and how engaged "
        "the person has been lately.\n\nTry it today: open any lead and read the explanation next to its "
        "score; every point says where it came from.",
    )),
    _t("trial-4-usecases", "Trial · day 4 · use cases", (
        "第 4 天：三个最常见的用法",
        "{{ first_name }}您好：\n\n试用客户最常用的三个场景：\n"
        "· 展会线索：导入名单后 48 小时内自动分配给 SDR 并计时；\n"
        "· 官网询价：高分线索直接进销售收件箱；\n"
        "· 老客户增购：识别已有客户的新联系人，交给原客户经理。\n\n"
        "挑一个和您最接近的场景试一遍，明天我们讲怎么提升转化。",
    ), (
        "Day 4: the three most common use cases",
        "Hi {{ first_name }},\n\nWhat trial customers use most:\n"
        "- trade-show leads: imported, assigned to an SDR within 48 hours, with a clock running;\n"
        "- website enquiries: high-score leads go straight to a sales inbox;\n"
        "- existing customers: new contacts at a customer go to its account manager.\n\n"
        "Pick the one closest to you and try it; tomorrow: improving conversion.",
    )),
    _t("trial-5-conversion", "Trial · day 5 · improve conversion", (
        "第 5 天：让沉默线索重新开口",
        "{{ first_name }}您好：\n\n一般有 60% 以上的线索在首次联系后就沉默了。培育流程（SOP）会在第 30、60、90 天"
        "自动发送不同内容，一旦对方再次互动，立即交回 SDR 跟进。\n\n"
        "在“培育序列”里启用内置的“沉默线索激活”，再用“试运行”看看未来 30 天谁会收到什么。",
    ), (
        "Day 5: get silent leads talking again",
        "Hi {{ first_name }},\n\nTypically over 60% of leads go silent after the first contact. A nurture SOP "
        "sends different content at 30, 60 and 90 days and hands the lead back to an SDR the moment they "
        "engage.\n\nSwitch on the built-in silent-lead reactivation under Sequences, then use the dry run to "
        "see who would receive what over the next 30 days.",
    )),
    _t("trial-6-analyse", "Trial · day 6 · analyse", (
        "第 6 天：哪个渠道真正带来了收入？",
        "{{ first_name }}您好：\n\n投放报表告诉您每个渠道带来多少线索，却很少告诉您带来多少收入。"
        "漏斗和归因分析把线索一路追到成交：每个渠道的获客成本、转化周期和投入产出比一目了然。\n\n"
        "打开“分析”看看您导入的数据，特别留意转化周期最长的那一段。",
    ), (
        "Day 6: which channel actually brings revenue?",
        "Hi {{ first_name }},\n\nAd reports tell you how many leads each channel brings, rarely how much revenue. "
        "Funnel and attribution analysis follows leads all the way to a signed deal: cost per customer, "
        "cycle time and ROI per channel.\n\nOpen Analytics on the data you imported and look at the slowest "
        "stage of your funnel.",
    )),
    _t("trial-7-combine", "Trial · day 7 · combine features", (
        "第 7 天：把评分、分配和 SLA 串起来",
        "{{ first_name }}您好：\n\n单个功能有用，串起来才是流程：评分超过阈值 → 自动分配给对应区域的 SDR → "
        "48 小时首触时钟开始计时 → 超时提醒主管 → 合格后转给销售，24 小时内必须接收。\n\n"
        "用一条测试线索完整走一遍，您就能看到这套流程在贵司如何运转。",
    ), (
        "Day 7: chain scoring, routing and SLAs",
        "Hi {{ first_name }},\n\nEach feature helps; chained, they are a process: a score over the threshold -> "
        "assigned to the region's SDR -> a 48-hour first-touch clock starts -> the manager is told on a breach "
        "-> qualified leads go to sales, who accept within 24 hours.\n\nRun one test lead through it end to "
        "end and you will see how it would work for your team.",
    )),
    _t("trial-8-others", "Trial · day 8 · how others use it", (
        "第 8 天：同行是怎么用的？",
        "{{ first_name }}您好：\n\n最后分享两个和您规模相近的客户：一家汽车零部件企业用它管理 3 个事业部的展会线索，"
        "首触时间从 5 天降到 1 天；一家 SaaS 公司用培育 SOP 激活了 12% 的沉默线索，贡献了当季 20% 的新签。\n\n"
        "我们的顾问会在今明两天联系您，听听您的试用感受，也帮您规划正式上线。",
    ), (
        "Day 8: how companies like yours use it",
        "Hi {{ first_name }},\n\nTwo customers of your size: an auto-parts maker runs trade-show leads for three "
        "divisions and cut first contact from 5 days to 1; a SaaS company reactivated 12% of its silent leads "
        "with nurture SOPs, 20% of that quarter's new contracts.\n\nA consultant will call you in the next two "
        "days to hear how the trial went and to plan your rollout.",
    )),
    # --- 4. silent-lead reactivation 30 / 60 / 90 / every 30 -------------------------------------------------
    _t("react-30", "Reactivation · 30 days", (
        "{{ first_name }}，这份新整理的资料也许用得上",
        "{{ first_name }}您好：\n\n有一段时间没联系了。最近我们更新了《B2B 线索管理实操手册》（2025 版），"
        "新增了两章：如何用工作日历计算 SLA，以及如何给退回线索设计培育节奏。\n\n"
        "如果您的项目暂时没有启动，这份手册也可以帮您先把内部流程理顺。点击即可下载，无需再次填写表单。",
    ), (
        "{{ first_name }}, a new guide you may find useful",
        "Hi {{ first_name }},\n\nIt has been a while. We have just updated our practical guide to B2B lead "
        "management with two new chapters: computing SLAs on a business calendar, and a nurture rhythm for "
        "leads returned by sales.\n\nEven if your project has not started, it can help you sort out the "
        "process internally. One click to download, no form.",
    )),
    _t("react-30-manufacturing", "Reactivation · 30 days · manufacturing", (
        "制造业询盘管理：3 个立刻能用的小改进",
        "{{ first_name }}您好：\n\n有段时间没联系了，分享三个制造企业客户反馈“当周见效”的小改进：\n"
        "· 展会名片 24 小时内录入，并标注感兴趣的产品线；\n· 技术资料下载自动提醒对应区域的销售；\n"
        "· 报价后 7 天未回复，自动发送同类设备的应用案例。\n\n这些都不需要新系统，现有 CRM 也能先做起来。",
    ), (
        "Enquiry management for manufacturers: 3 quick wins",
        "Hi {{ first_name }},\n\nIt has been a while, so here are three improvements manufacturers told us worked "
        "within a week:\n- trade-show cards entered within 24 hours, tagged with the product line of interest;"
        "\n- a datasheet download alerts the sales rep of that region;\n- no answer 7 days after a quote "
        "sends an application case of similar equipment.\n\nNone needs a new system; your CRM can start today.",
    )),
    _t("react-60", "Reactivation · 60 days", (
        "两个月过去了，您的线索流程有变化吗？",
        "{{ first_name }}您好：\n\n距离上次交流大约两个月了。很多团队在这个阶段会遇到新的问题：团队扩张、渠道增加、"
        "线索量翻倍，但转化率没有跟上。\n\n我们准备了一份 5 个问题的小问卷，回答完就能拿到一份针对您情况的改进建议。"
        "如果您的优先级已经变了，也欢迎直接告诉我们。",
    ), (
        "Two months on: has your lead process changed?",
        "Hi {{ first_name }},\n\nIt has been about two months. At this point many teams hit new problems: more "
        "people, more channels, twice the leads, but conversion does not follow.\n\nAnswer our 5-question "
        "survey and get improvement advice for your situation. If your priorities have changed, just tell us.",
    )),
    _t("react-60-executive", "Reactivation · 60 days · executives", (
        "给管理层的一页纸：营销投入到底换来了多少收入？",
        "{{ first_name }}您好：\n\n管理层最常问市场和销售的一句话是：“这笔投入带来了多少收入？”"
        "我们整理了一页纸的经营看板模板：获客成本、客户终身价值、回收周期和各渠道投资回报率，"
        "适合在季度经营会上直接使用。\n\n回复“看板”，我们把模板和填写说明发给您。",
    ), (
        "A one-pager for leadership: what did marketing spend buy?",
        "Hi {{ first_name }},\n\nThe question leadership asks marketing and sales most is: what revenue did this "
        "spend bring? Our one-page board template shows CAC, customer lifetime value, payback and ROI per "
        "channel, ready for a quarterly business review.\n\nReply \"board\" and we will send it with notes on "
        "filling it in.",
    )),
    _t("react-90", "Reactivation · 90 days", (
        "最后确认一下：还需要我们继续分享吗？",
        "{{ first_name }}您好：\n\n三个月没有收到您的消息了。我们不想打扰，所以想确认一下：\n"
        "· 如果项目已经搁置，我们会把联系频率降到每月一次，只发行业报告；\n"
        "· 如果负责人换了，告诉我们新同事的联系方式，我们会转交相关资料；\n"
        "· 如果时机合适了，回复“聊聊”，我们安排顾问联系您。",
    ), (
        "Quick check: should we keep sharing?",
        "Hi {{ first_name }},\n\nWe have not heard from you for three months and do not want to be a nuisance, "
        "so a quick check:\n- if the project is on hold, we will write once a month with industry reports only;"
        "\n- if someone else owns it now, tell us who and we will pass the material on;\n"
        "- if the timing is right, reply \"let's talk\" and a consultant will call you.",
    )),
    _t("react-90-east", "Reactivation · 90 days · East China salon", (
        "邀请：上海 B2B 增长闭门沙龙（限 30 席）",
        "{{ first_name }}您好：\n\n下个月我们在上海举办一场 B2B 增长闭门沙龙，三家华东制造和 SaaS 企业的市场负责人"
        "会分享他们如何把线索转化率翻倍，现场不做产品推介。\n\n名额限 30 席，优先邀请老朋友。"
        "回复“报名”即可预留座位，我们会发送具体时间和地址。",
    ), (
        "Invitation: closed-door B2B growth salon in Shanghai (30 seats)",
        "Hi {{ first_name }},\n\nNext month we host a closed-door B2B growth salon in Shanghai: marketing leads "
        "from three East China manufacturing and SaaS companies share how they doubled lead conversion. No "
        "product pitch.\n\nSeats are limited to 30 and we are inviting old friends first. Reply \"join\" to "
        "hold a seat; we will send the date and address.",
    )),
    _t("react-monthly", "Reactivation · monthly digest", (
        "本月 B2B 营销精选：3 篇值得读的文章",
        "{{ first_name }}您好：\n\n本月精选：\n1. 线索评分模型多久该调一次？看数据说话；\n"
        "2. 节假日和调休怎么影响 SLA，一张表讲清楚；\n3. 从展会到签约：一家设备厂商的 90 天跟进节奏。\n\n"
        "每月一封，只发有用的内容。",
    ), (
        "This month in B2B marketing: 3 articles worth reading",
        "Hi {{ first_name }},\n\nThis month's picks:\n1. How often should you retune a lead scoring model? Let "
        "the data decide;\n2. How holidays and make-up working days affect SLAs, in one table;\n"
        "3. From trade show to contract: an equipment maker's 90-day follow-up rhythm.\n\n"
        "One email a month, useful content only.",
    )),
    # --- 5. high-value / returned / lost nurture ------------------------------------------------------------
    _t("long-1-report", "Long-term nurture · industry report", (
        "{{ industry|default:'行业' }}数字化营销年度报告（精简版）",
        "{{ first_name }}您好：\n\n附上我们今年的年度报告精简版，核心结论三条：获客成本连续第三年上涨；"
        "把 30% 预算转向老客户和沉默线索的企业，整体回报率更高；销售与市场共用一套线索标准的企业，成交周期平均短 21 天。\n\n"
        "完整报告包含分行业数据，欢迎下载。",
    ), (
        "{{ industry|default:'Industry' }} digital marketing report (summary)",
        "Hi {{ first_name }},\n\nHere is the summary of this year's report. Three findings: acquisition costs "
        "rose for the third year running; companies that moved 30% of budget to customers and silent leads "
        "got a better overall return; teams sharing one lead standard across marketing and sales closed deals "
        "21 days faster.\n\nThe full report, with figures by industry, is a click away.",
    )),
    _t("long-2-story", "Long-term nurture · customer story", (
        "客户故事：去年搁置的项目，今年是怎么重启的",
        "{{ first_name }}您好：\n\n一家化工新材料企业去年因为预算冻结搁置了选型。今年重启时，他们做的第一件事"
        "是把过去一年沉淀的 4,000 条线索重新分级，结果发现其中 300 多条已经进入采购阶段。\n\n"
        "这篇故事讲了他们如何在六周内完成上线，以及重启时最容易忽略的三个问题。",
    ), (
        "Customer story: how a shelved project restarted",
        "Hi {{ first_name }},\n\nA specialty chemicals company shelved its selection last year when budgets "
        "froze. When they restarted, the first thing they did was re-grade the 4,000 leads gathered over the "
        "year, and found 300 already in a buying stage.\n\nThis story covers how they went live in six weeks "
        "and the three things teams forget when a project restarts.",
    )),
    _t("long-3-update", "Long-term nurture · what's new", (
        "产品更新：您上次关心的问题，我们做了这些改进",
        "{{ first_name }}您好：\n\n过去几个月我们根据客户反馈做了几项改进：SLA 时钟支持按工作小时计算并自动处理调休；"
        "培育序列支持 A/B 测试并自动选出胜出版本；销售退回线索时必须选择原因，市场可以按原因分析。\n\n"
        "如果当时是某个功能让您犹豫，现在也许值得再看一眼。",
    ), (
        "What's new: improvements on what you asked about",
        "Hi {{ first_name }},\n\nRecent improvements driven by customer feedback: SLA clocks can count business "
        "hours and handle make-up working days; nurture sequences run A/B tests and pick the winner "
        "automatically; sales must give a reason when returning a lead, and marketing can analyse by reason."
        "\n\nIf a missing feature held you back, it may be worth another look.",
    )),
    _t("long-4-invite", "Long-term nurture · webinar invitation", (
        "直播邀请：2 小时搭建一套可执行的线索培育 SOP",
        "{{ first_name }}您好：\n\n本月的线上直播，我们会现场演示如何从零搭建黄金 48 小时、需求挖掘和沉默激活三套 SOP，"
        "并回答大家在实施中的问题。\n\n直播免费，报名后可获得全部模板。时间不方便也没关系，报名即可收到回放。",
    ), (
        "Webinar: build a working lead-nurture SOP in 2 hours",
        "Hi {{ first_name }},\n\nIn this month's live session we build three SOPs from scratch — golden 48 "
        "hours, demand mining and silent-lead reactivation — and answer implementation questions.\n\nFree; "
        "registrants get every template. Cannot make it? Register and we will send the recording.",
    )),
]


def _s(key: str, kind: str, config: dict[str, Any], name: str) -> dict[str, Any]:
    return {"key": key, "kind": kind, "config": config, "name": name}


def _wait_days(key: str, days: int) -> dict[str, Any]:
    return _s(key, "wait", {"days": days, "window": WORKDAYS}, f"Wait {days} days (working hours)")


SEQUENCES: list[dict[str, Any]] = [
    {
        "slug": "golden-48h", "name": "黄金48小时 · Golden 48 hours", "track": "triage", "priority": 90,
        "description": "New-lead triage within 48 h of creation: high-score leads get an SDR call task at once "
                       "(the first_touch SLA clock starts on assignment); low-score leads get a welcome and enter "
                       "pre-nurture; hot behaviour inside the 48 h raises the lead to hot with an SDR task.",
        "trigger_kind": "lead_created", "trigger_config": {}, "target_stage": "mql",
        "exit_on_reply": False, "exit_on_engagement": False, "engagement_handoff": "", "is_marketing": True,
        "steps": [
            _s("triage", "branch", {"condition": {"any": [{"field": "source_score", "op": "gte", "value": 60},
                                                          {"field": "temperature", "op": "eq", "value": "hot"}]},
                                    "then": "call-now", "else": "welcome"}, "High-score source or hot?"),
            _s("call-now", "create_task", {"title": "黄金48小时：首次电话 / Golden 48h: first call", "kind": "call",
                                           "due_hours": 4}, "SDR call task"),
            _s("tell-owner", "notify", {"to": "owner", "text": "新的高分线索：{{ lead }}（{{ company }}），请在48小时内首次联系。"
                                                                "\nNew high-score lead: {{ lead }} ({{ company }}). "
                                                                "First touch within 48 hours.\n{{ lead_url }}"},
               "Tell the owner"),
            _s("to-done", "goto", {"to": "done"}, "Done"),
            _s("welcome", "send_email", {"template": "golden-welcome"}, "Welcome email"),
            _s("pre-nurture", "add_tag", {"tag": "pre-nurture"}, "Tag pre-nurture"),
            _s("wait-24h", "wait", {"hours": 24}, "Wait 24 hours"),
            _s("hot-check-1", "branch", {"condition": HOT_BEHAVIOUR, "then": "raise-hot"}, "Hot behaviour?"),
            _s("wait-48h", "wait", {"hours": 24}, "Wait until 48 hours"),
            _s("hot-check-2", "branch", {"condition": HOT_BEHAVIOUR, "then": "raise-hot", "else": "done"},
               "Hot behaviour?"),
            _s("raise-hot", "change_temperature", {"temperature": "hot"}, "Raise to hot"),
            _s("hot-task", "create_task", {"title": "48小时内出现热行为，立即电话 / Hot in first 48h: call now",
                                           "kind": "call", "due_hours": 2}, "SDR task for hot lead"),
            _s("done", "add_tag", {"tag": "triaged-48h"}, "Triaged"),
        ],
    },
    {
        "slug": "demand-mining", "name": "需求挖掘 2-4 周 · Demand mining", "track": "nurture", "priority": 60,
        "description": "Dense, professional touches over four weeks (days 0, 2, 5, 9, 14, 21, 28) for leads with a "
                       "clear need but no project yet; content by industry; SDR call tasks at days 5 and 14; exits "
                       "on MQL or a reply.",
        "trigger_kind": "segment_entry",
        "trigger_config": {"rule": {"all": [{"stage": "lead"}, {"field": "bant_need", "op": "eq", "value": True},
                                            {"field": "bant_timing", "op": "eq", "value": False}]}},
        "target_stage": "mql", "exit_on_reply": True, "exit_on_engagement": False, "engagement_handoff": "",
        "is_marketing": True,
        "steps": [
            _s("d0", "send_email", {"template": "dm-1-pain", "by_rule": [
                {"when": {"field": "industry", "op": "in", "value": CORE_INDUSTRIES},
                 "template": "dm-1-manufacturing"}]}, "Day 0: where leads leak"),
            _wait_days("w2", 2),
            _s("d2", "send_email", {"template": "dm-2-case"}, "Day 2: case study"),
            _wait_days("w5", 3),
            _s("d5", "send_email", {"template": "dm-3-roi"}, "Day 5: ROI calculator"),
            _s("call-d5", "create_task", {"title": "需求挖掘第5天：电话了解需求 / Demand mining day 5: discovery call",
                                          "kind": "call", "due_hours": 24}, "Day 5 SDR call"),
            _wait_days("w9", 4),
            _s("d9", "send_email", {"template": "dm-4-checklist"}, "Day 9: SLA checklist"),
            _wait_days("w14", 5),
            _s("d14", "send_email", {"template": "dm-5-benchmark"}, "Day 14: benchmark"),
            _s("call-d14", "create_task", {"title": "需求挖掘第14天：跟进电话 / Demand mining day 14: follow-up call",
                                           "kind": "call", "due_hours": 24}, "Day 14 SDR call"),
            _wait_days("w21", 7),
            _s("d21", "send_email", {"template": "dm-6-plan"}, "Day 21: rollout plan"),
            _wait_days("w28", 7),
            _s("d28", "send_email", {"template": "dm-7-talk"}, "Day 28: let's talk"),
        ],
    },
    {
        "slug": "trial-drip", "name": "试用培育 Day 1-8 · Trial drip", "track": "trial", "priority": 80,
        "description": "After a trial account opens: one email a day for eight days (welcome, setup, feature, use "
                       "cases, conversion, analysis, combining features, how others use it), then an SDR task. "
                       "Onboarding mail the lead asked for: not counted against the marketing cap.",
        "trigger_kind": "segment_entry",
        "trigger_config": {"rule": {"event": {"kind": "trial_signup", "within_days": 3}}},
        "target_stage": "sal", "exit_on_reply": False, "exit_on_engagement": False, "engagement_handoff": "",
        "is_marketing": False,
        "steps": [
            _s("day1", "send_email", {"template": "trial-1-welcome"}, "Day 1: welcome"),
            _s("w2", "wait", {"days": 1, "window": {"weekdays": list(range(7)), "from_hour": 9, "to_hour": 20}},
               "Next day"),
            _s("day2", "send_email", {"template": "trial-2-setup"}, "Day 2: setup"),
            _s("w3", "wait", {"days": 1}, "Next day"),
            _s("day3", "send_email", {"template": "trial-3-feature"}, "Day 3: feature A solves X"),
            _s("w4", "wait", {"days": 1}, "Next day"),
            _s("day4", "send_email", {"template": "trial-4-usecases"}, "Day 4: use cases"),
            _s("w5", "wait", {"days": 1}, "Next day"),
            _s("day5", "send_email", {"template": "trial-5-conversion"}, "Day 5: improve conversion"),
            _s("w6", "wait", {"days": 1}, "Next day"),
            _s("day6", "send_email", {"template": "trial-6-analyse"}, "Day 6: analyse"),
            _s("w7", "wait", {"days": 1}, "Next day"),
            _s("day7", "send_email", {"template": "trial-7-combine"}, "Day 7: combine features"),
            _s("w8", "wait", {"days": 1}, "Next day"),
            _s("day8", "send_email", {"template": "trial-8-others"}, "Day 8: how others use it"),
            _s("call", "create_task", {"title": "试用第8天：回访并规划上线 / Trial day 8: call and plan rollout",
                                       "kind": "call", "due_hours": 24}, "SDR task"),
        ],
    },
    {
        "slug": "silent-reactivation", "name": "沉默线索激活 30/60/90 · Silent-lead reactivation",
        "track": "nurture", "priority": 40,
        "description": "A lead with no touchpoint for 30 days gets reactivation content; still silent at 60 and 90 "
                       "days it gets different content (by industry, title, region); then every 30 days while "
                       "silent and subscribed. Any engagement exits; a hot lead goes back to an SDR.",
        "trigger_kind": "inactivity", "trigger_config": {"days": 30, "rule": {"stage": "lead"}},
        "target_stage": "mql", "exit_on_reply": True, "exit_on_engagement": True, "engagement_handoff": "hot",
        "is_marketing": True,
        "steps": [
            _s("r30", "send_email", {"template": "react-30", "by_rule": [
                {"when": {"field": "industry", "op": "in", "value": CORE_INDUSTRIES},
                 "template": "react-30-manufacturing"}]}, "30 days silent"),
            _wait_days("w60", 30),
            _s("r60", "send_email", {"template": "react-60", "by_rule": [
                {"when": {"field": "title", "op": "in", "value": EXECUTIVE_TITLES},
                 "template": "react-60-executive"}]}, "60 days silent"),
            _wait_days("w90", 30),
            _s("r90", "send_email", {"template": "react-90", "by_rule": [
                {"when": {"field": "region", "op": "eq", "value": "华东"}, "template": "react-90-east"}]},
               "90 days silent"),
            _wait_days("w-monthly", 30),
            _s("monthly", "send_email", {"template": "react-monthly"}, "Every 30 days after"),
            _s("loop", "goto", {"to": "w-monthly"}, "Repeat monthly"),
        ],
    },
    {
        "slug": "long-term-nurture", "name": "长期培育 · High-value / returned / lost nurture",
        "track": "nurture", "priority": 50,
        "description": "Monthly content for leads returned by sales, lost opportunities and high-value leads with "
                       "a far buying window. Re-engagement hands the lead back to an SDR.",
        "trigger_kind": "stage_changed",
        "trigger_config": {"from": ["mql", "sal", "sql", "opportunity"], "to": ["lead", "lost"],
                           "temperature_to": ["high_value"]},
        "target_stage": "mql", "exit_on_reply": True, "exit_on_engagement": True, "engagement_handoff": "always",
        "is_marketing": True,
        "steps": [
            _s("m1", "send_email", {"template": "long-1-report"}, "Month 1: industry report"),
            _wait_days("w1", 30),
            _s("m2", "send_email", {"template": "long-2-story"}, "Month 2: customer story"),
            _wait_days("w2", 30),
            _s("m3", "send_email", {"template": "long-3-update"}, "Month 3: what's new"),
            _wait_days("w3", 30),
            _s("m4", "send_email", {"template": "long-4-invite"}, "Month 4: webinar"),
            _wait_days("w4", 30),
            _s("again", "goto", {"to": "m1", "max_visits": 2}, "Another round (twice)"),
        ],
    },
]
