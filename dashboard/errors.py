"""Import failures in the page's language: one sentence that says what is wrong and what to do.

The library's messages are English one-liners for the command line and the logs; here the common
ones are recognised by their wording and told again in Chinese (or kept, in English). Anything not
recognised gets a general sentence, with the library's line behind a "details" expander.
"""

from __future__ import annotations

import re

from dashboard.i18n import Lang, t
from geo.errors import one_line

#: (pattern on the library's message, zh template, en template); groups fill the templates.
KNOWN: list[tuple[str, str, str]] = [
    (r"may not .*: it needs the admin role", "您的账号没有这项权限（需要管理员角色）：请联系管理员。",
     "Your account may not do this (it needs the admin role): ask an admin."),
    (r"may not .*: it needs the clerk role", "您的账号没有这项权限（需要录入员角色）：请联系管理员。",
     "Your account may not do this (it needs the clerk role): ask an admin."),
    (r"generation (\d+) is no longer kept", "第 {0} 版已不在保留范围内，无法撤销到它之前。",
     "Version {0} is no longer kept, so the workspace cannot go back before it."),
    (r"no grids yet", "工作区还没有网格：请先在第一步导入网格边界。", "The workspace has no grids yet: import the grid boundaries in step 1."),
    (r"lacks the required fields \[(.*?)\].*read from sheet '(.*?)'; the workbook's other sheets: (.*?)\)\.",
     "工作表“{1}”中缺少必需的列（{0}）：台账可能在其他工作表（{2}）中，请把台账移到第一个工作表，或删除其他工作表后重新上传。",
     "Sheet “{1}” lacks required columns ({0}): the ledger may be on another sheet ({2}); move it to the first "
     "sheet or delete the others and upload again."),
    (r"lacks the required fields \[(.*?)\]", "台账缺少必需的列（{0}）：请在“列对应关系”中指定这些列。",
     "The ledger lacks required columns ({0}): choose them under the column mapping."),
    (r"the header '(.+?)' appears twice \(columns (\d+) and (\d+)\)", "表头“{0}”出现了两次（第 {1} 列和第 {2} 列）：请改名或删除其中一列后重新上传。",
     "The header “{0}” appears twice (columns {1} and {2}): rename or delete one and upload again."),
    (r"cannot decode (.+?) as", "无法识别文件“{0}”的文字编码：请在 Excel 中另存为“CSV UTF-8”后重新上传。",
     "Cannot read the text encoding of “{0}”: save it as CSV UTF-8 in Excel and upload again."),
    (r"(\S+) expands to more than ([\d,]+) MB", "压缩文件“{0}”解压后超过 {1} MB：请拆分后上传。",
     "The archive “{0}” expands to more than {1} MB: split it and upload the parts."),
    (r"(\S+) has more than ([\d,]+) rows", "文件“{0}”超过 {1} 行：请按月拆分后分别导入。",
     "“{0}” has more than {1} rows: split it by month and import the parts."),
    (r"cells with values span (A1:[A-Z]+\d+)", "表格的有效单元格范围为 {0}，超出上限：请删除表格以外的零星单元格后重新保存。",
     "The sheet's cells span {0}, over the limit: delete the stray cells outside the table and save again."),
    (r"unknown time zone '(.+?)'", "时区“{0}”无法识别：请使用如 Asia/Shanghai 的时区名称。",
     "Unknown time zone “{0}”: use a name such as Asia/Shanghai."),
    (r"(\S+) declares (\S+) .*look like degrees", "图层“{0}”声明的坐标系为 {1}（米），但坐标是经纬度：请修正其 .prj 文件（多为 EPSG:4326 或 4490）。",
     "The layer “{0}” declares {1} (metres) but holds degrees: fix its .prj (most likely EPSG:4326 or 4490)."),
    (r"(\S+) declares (\S+) \(degrees\) but its coordinates are metres", "图层“{0}”声明为经纬度（{1}），但坐标是米或英尺：请修正其 .prj 文件。",
     "The layer “{0}” declares degrees ({1}) but holds metres or feet: fix its .prj."),
    (r"grid layer (\S+) has no CRS", "网格图层“{0}”没有坐标系信息：请一并打包 .prj 文件，或另存为 GeoPackage。",
     "The grid layer “{0}” has no coordinate system: include its .prj file, or save it as GeoPackage."),
    (r"must hold polygons", "网格图层必须是面要素（多边形）。", "The grid layer must hold polygons."),
    (r"must hold points", "台账图层必须是点要素。", "A ledger layer must hold points."),
    (r"grid_id must be unique; '(.+?)' repeats", "网格编号“{0}”重复：请选择唯一的编号字段。",
     "The grid id “{0}” repeats: choose a field whose values are unique."),
    (r"every grid needs a non-empty grid_id", "有网格的编号为空：请选择每个网格都有值的编号字段。",
     "Some grids have an empty id: choose a field every grid has a value in."),
    (r"is busy with another import", "另一项导入正在进行：请稍候一分钟再试（数据不会丢失）。",
     "Another import is running: try again in a minute (nothing is lost)."),
    (r"(\S+) is encrypted \(password protected\)", "压缩文件“{0}”设有密码：请先解压，再上传其中的文件。",
     "The archive “{0}” is password protected: unpack it and upload the file inside."),
    (r"No space left on device|Errno 28\b|Disk quota exceeded", "服务器磁盘已满，导入未完成，数据没有任何改动：请联系管理员清理磁盘后重试。",
     "The server's disk is full; the import did not finish and nothing was changed: ask an admin to free space."),
    (r"OGR_GEOJSON_MAX_OBJ_SIZE", "GeoJSON 文件中有过大的要素，无法读取：请在 GIS 软件中另存为 GeoPackage（.gpkg）后上传。",
     "The GeoJSON holds a feature too large to read: save it as GeoPackage (.gpkg) in a GIS and upload that."),
    (r"not recognized as (?:a |being in a )?supported (?:file )?format",
     "文件无法识别为地理图层：请上传 GeoJSON、GeoPackage，或包含 .shp、.shx、.dbf、.prj 的 Shapefile 压缩包。",
     "The file is not a layer GDAL recognises: upload GeoJSON, GeoPackage, or a zip with the .shp, .shx, .dbf and .prj."),
    (r"not a readable zip|cannot read Excel file|is empty", "文件无法打开或内容为空：请确认是有效的 Excel/压缩包文件。",
     "The file cannot be opened or is empty: check that it is a valid Excel file or zip archive."),
    (r"unsupported ledger format", "不支持的文件格式：请上传 CSV、Excel（.xlsx）、GeoJSON、GeoPackage 或 Shapefile 压缩包。",
     "Unsupported format: upload CSV, Excel (.xlsx), GeoJSON, GeoPackage or a zipped Shapefile."),
    (r"unknown CRS", "坐标系无法识别：请选择列表中的坐标系，或填写正确的 EPSG 代码。",
     "Unknown coordinate system: pick one from the list or give a valid EPSG code."),
]
GENERAL = {"zh": "导入未完成，数据没有任何改动：文件内容无法按台账读取，请检查文件后重试。",
           "en": "The import did not finish and nothing was changed: the file could not be read as a ledger; "
                 "check it and try again."}


def explain(exc: BaseException, lang: Lang) -> tuple[str, str | None]:
    """The sentence to show, and the library's own line when the sentence is the general one.

    Examples
    --------
    >>> explain(ValueError("the workspace has no grids yet: import grids first"), "zh")[0]
    '工作区还没有网格：请先在第一步导入网格边界。'
    """
    line = one_line(exc)
    for pattern, zh, en in KNOWN:
        found = re.search(pattern, line)
        if found:
            groups = list(found.groups())
            if pattern.startswith("lacks the required fields"):  # our field codes, named as the wizard names them
                groups[0] = ("、" if lang == "zh" else ", ").join(
                    t(f"field_{code}", lang) for code in re.findall(r"'(\w+)'", groups[0]))
            return (zh if lang == "zh" else en).format(*groups), None
    return GENERAL[lang], line
