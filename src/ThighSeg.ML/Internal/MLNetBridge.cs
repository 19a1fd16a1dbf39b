using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using ThighSeg.Core;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The one place where ThighSeg.ML reaches ML.NET's model-persistence and cancellation plumbing, which ML.NET 5 keeps
/// internal to its own assemblies (<c>ModelSaveContext</c>'s members, <c>ModelLoadContext</c>, <c>VersionInfo</c>,
/// <c>LoadableClassAttribute</c>, <c>ICancelable</c>). Everything here is done through reflection against the exact
/// members ML.NET's own transformers use, so a ThighSeg transformer is saved into and loaded from the standard ML.NET
/// model zip by <c>mlContext.Model.Save</c>/<c>Load</c>. When a future ML.NET renames one of these members the bridge
/// fails with a <see cref="ThighSegException"/> that names it, never silently.
/// </summary>
internal static class MLNetBridge
{
    private static readonly Assembly CoreAssembly = typeof(ICanSaveModel).Assembly;

    private static Type CoreType(string fullName) =>
        CoreAssembly.GetType(fullName, throwOnError: false) ?? throw Unsupported($"type {fullName}");

    internal static Type ModelLoadContextType { get; } = CoreType("Microsoft.ML.ModelLoadContext");

    private static readonly Type VersionInfoType = CoreType("Microsoft.ML.VersionInfo");
    private static readonly Type SignatureLoadModelType = CoreType("Microsoft.ML.SignatureLoadModel");
    private static readonly Type LoadableClassAttributeType = CoreType("Microsoft.ML.LoadableClassAttribute");
    private static readonly Type LoadableClassAttributeBaseType = CoreType("Microsoft.ML.LoadableClassAttributeBase");
    private static readonly Type? CancelableType = CoreAssembly.GetType("Microsoft.ML.Runtime.ICancelable", throwOnError: false);

    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private static ThighSegException Unsupported(string what) => new(string.Create(CultureInfo.InvariantCulture,
        $"This version of ML.NET ({CoreAssembly.GetName().Version}) lacks the {what} that ThighSeg.ML uses to save and load models; ThighSeg.ML is built against Microsoft.ML 5.0."));

    private static MethodInfo Method(Type type, string name, params Type[] parameters) =>
        type.GetMethod(name, Any, null, parameters, null) ?? throw Unsupported($"method {type.Name}.{name}");

    private static object? Call(object target, string name, Type[] parameterTypes, params object?[] args)
    {
        try
        {
            return Method(target.GetType(), name, parameterTypes).Invoke(target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    /// <summary>ML.NET's <c>VersionInfo</c> for a model header.</summary>
    /// <param name="modelSignature">Exactly 8 ASCII characters identifying the model kind.</param>
    /// <param name="version">Format version written (also the oldest readable and the oldest we read back).</param>
    /// <param name="loaderSignature">The load name registered in the component catalog.</param>
    /// <param name="loaderAssembly">The assembly ML.NET loads before looking the loader up.</param>
    /// (ML.NET limits the loader signature to 24 characters.)
    internal static object VersionInfo(string modelSignature, uint version, string loaderSignature, Assembly loaderAssembly)
    {
        var ctor = VersionInfoType.GetConstructor(Any, null,
            [typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string)], null)
            ?? throw Unsupported("VersionInfo constructor");
        return ctor.Invoke([modelSignature, version, version, version, loaderAssembly.FullName, loaderSignature, null]);
    }

    /// <summary>Writes the model header: what <c>ctx.CheckAtModel(); ctx.SetVersionInfo(info);</c> does in ML.NET's transformers.</summary>
    internal static void BeginSave(ModelSaveContext ctx, object versionInfo)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        Call(ctx, "CheckAtModel", []);
        Call(ctx, "SetVersionInfo", [VersionInfoType], versionInfo);
    }

    /// <summary>The writer of the model's main stream (<c>Model.key</c>).</summary>
    internal static BinaryWriter Writer(ModelSaveContext ctx) =>
        (BinaryWriter)(typeof(ModelSaveContext).GetField("Writer", Any)?.GetValue(ctx) ?? throw Unsupported("ModelSaveContext.Writer"));

    /// <summary>Adds a named binary entry next to the model's main stream in the model zip.</summary>
    internal static void SaveBinaryStream(ModelSaveContext ctx, string name, Action<BinaryWriter> write) =>
        Call(ctx, "SaveBinaryStream", [typeof(string), typeof(Action<BinaryWriter>)], name, write);

    /// <summary>Reads and checks the model header: <c>ctx.CheckAtModel(info)</c>.</summary>
    internal static void BeginLoad(object ctx, object versionInfo) => Call(ctx, "CheckAtModel", [VersionInfoType], versionInfo);

    /// <summary>The reader of the model's main stream.</summary>
    internal static BinaryReader Reader(object ctx) =>
        (BinaryReader)(ModelLoadContextType.GetField("Reader", Any)?.GetValue(ctx) ?? throw Unsupported("ModelLoadContext.Reader"));

    /// <summary>Reads a named binary entry saved with <see cref="SaveBinaryStream"/>; false when the zip has no such entry.</summary>
    internal static bool TryLoadBinaryStream(object ctx, string name, Action<BinaryReader> read) =>
        (bool)Call(ctx, "TryLoadBinaryStream", [typeof(string), typeof(Action<BinaryReader>)], name, read)!;

    /// <summary>ML.NET's <c>SchemaShape.Create(schema)</c> (public estimators need it to describe new columns; its constructor of columns is internal).</summary>
    internal static SchemaShape SchemaShapeOf(DataViewSchema schema)
    {
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, null, [typeof(DataViewSchema)], null)
            ?? throw Unsupported("method SchemaShape.Create");
        return (SchemaShape)create.Invoke(null, [schema])!;
    }

    /// <summary>Whether <c>mlContext.CancelExecution()</c> was called on the environment that owns <paramref name="host"/>.</summary>
    internal static bool IsCancelled(IHost host)
    {
        if (CancelableType is null || !CancelableType.IsInstanceOfType(host))
        {
            return false;
        }
        return (bool)(CancelableType.GetProperty("IsCanceled")?.GetValue(host) ?? false);
    }

    /// <summary>
    /// Registers a loader with <paramref name="catalog"/> exactly as <c>[assembly: LoadableClass(typeof(TTransformer),
    /// typeof(TLoader), null, typeof(SignatureLoadModel), userName, loadName)]</c> would. <paramref name="genericLoader"/> is
    /// an open generic type with one type parameter that stands for ML.NET's <c>ModelLoadContext</c> and a static
    /// <c>Create(IHostEnvironment, TContext)</c> returning <paramref name="transformerType"/>. Idempotent per catalog.
    /// </summary>
    internal static void RegisterLoader(ComponentCatalog catalog, Type transformerType, Type genericLoader, string userName, string loadName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Type loader = genericLoader.MakeGenericType(ModelLoadContextType);
        var ctor = LoadableClassAttributeType.GetConstructor(Any, null,
            [typeof(Type), typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[])], null)
            ?? throw Unsupported("LoadableClassAttribute constructor");
        var attribute = (Attribute)ctor.Invoke([transformerType, loader, null, SignatureLoadModelType, userName, new[] { loadName }]);
        var attributes = Array.CreateInstance(LoadableClassAttributeBaseType, 1);
        attributes.SetValue(attribute, 0);
        catalog.RegisterAssembly(new RegistrationAssembly($"{transformerType.Assembly.GetName().Name}.LoadableClass.{loadName}", attributes));
    }

    /// <summary>
    /// A stand-in assembly whose only custom attributes are the <c>LoadableClassAttribute</c>s given: the public
    /// <see cref="ComponentCatalog.RegisterAssembly"/> reads an assembly's loadable-class attributes, and this is how an
    /// assembly outside ML.NET can present one (C# cannot apply ML.NET's internal attribute directly).
    /// </summary>
    private sealed class RegistrationAssembly(string name, Array attributes) : Assembly
    {
        public override string FullName => name;

        public override object[] GetCustomAttributes(bool inherit) => (object[])attributes.Clone();

        public override object[] GetCustomAttributes(Type attributeType, bool inherit)
        {
            var matching = attributes.Cast<object>().Where(attributeType.IsInstanceOfType).ToArray();
            var result = Array.CreateInstance(attributeType, matching.Length);
            matching.CopyTo(result, 0);
            return (object[])result;
        }

        public override bool IsDefined(Type attributeType, bool inherit) => attributes.Cast<object>().Any(attributeType.IsInstanceOfType);

        public override Type[] GetTypes() => [];

        public override Type[] GetExportedTypes() => [];
    }
}
